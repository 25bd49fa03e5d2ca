using Testbed.Envelopes;

namespace Testbed.Defenses.Identity;

/// <summary>
/// The certificate authority's logic, without Orleans (the <see cref="CertificateAuthorityGrain"/> wraps one; tests use it
/// directly). Its own ECDSA P-256 key is made at construction and never leaves it. It issues certificates with versions
/// 1, 2, … per principal and serials 1, 2, … overall, and keeps the revocation list: every revocation advances the
/// revocation epoch by one, so "everything after epoch N" is a cheap incremental poll. Thread-safe.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    /// <summary>Longest revocation reason, in characters.</summary>
    public const int MaxReasonLength = 64;

    private readonly KeyMaterial _key = KeyMaterial.Create(SignatureAlgorithm.EcdsaP256);
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Certificate>> _issued = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Principal, int Version), Revocation> _revoked = [];
    private readonly List<Revocation> _revocations = [];
    private long _serial;

    /// <summary>Creates a CA with a new key; <paramref name="time"/> stamps certificates and revocations (system clock by default).</summary>
    public CertificateAuthority(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Info = new CaInfo(SignatureAlgorithm.EcdsaP256, _key.PublicKey);
    }

    /// <summary>The CA's public key.</summary>
    public CaInfo Info { get; }

    /// <summary>The revocation epoch: the number of revocations made so far.</summary>
    public long RevocationEpoch
    {
        get
        {
            lock (_gate)
            {
                return _revocations.Count;
            }
        }
    }

    /// <summary>Certifies <paramref name="publicKey"/> as <paramref name="principal"/>'s next key version (see <see cref="ICertificateAuthority.Certify"/>).</summary>
    public Certificate Certify(string principal, SignatureAlgorithm algorithm, byte[] publicKey)
    {
        if (!PrincipalId.IsValid(principal))
        {
            throw new ArgumentException($"'{principal}' is not a valid principal id (1..64 bytes of [a-z0-9._/-])", nameof(principal));
        }

        if (!SignatureAlgorithmNames.IsDefined(algorithm))
        {
            throw new ArgumentException($"{algorithm} is not a signature algorithm", nameof(algorithm));
        }

        if (publicKey is null || !PublicKeyVerifier.TryCreate(algorithm, publicKey, out _))
        {
            throw new ArgumentException($"not a valid {SignatureAlgorithmNames.Name(algorithm)} public key", nameof(publicKey));
        }

        var key = publicKey.ToArray();
        lock (_gate)
        {
            if (!_issued.TryGetValue(principal, out var versions))
            {
                versions = [];
                _issued[principal] = versions;
            }

            var version = versions.Count + 1;
            var serial = ++_serial;
            var issuedAtMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var signature = new byte[KeyMaterial.SignatureSize];
            _key.Sign(CertificateEncoding.Encode(principal, version, algorithm, key, issuedAtMs, serial), signature);
            var certificate = new Certificate(principal, version, algorithm, key, issuedAtMs, serial, signature);
            versions.Add(certificate);
            return certificate;
        }
    }

    /// <summary>The certificate of <paramref name="principal"/>'s key <paramref name="version"/> (revoked or not), or null.</summary>
    public Certificate? GetCertificate(string principal, int version)
    {
        lock (_gate)
        {
            return principal is not null && _issued.TryGetValue(principal, out var versions) && version >= 1 && version <= versions.Count
                ? versions[version - 1]
                : null;
        }
    }

    /// <summary>The certificate of <paramref name="principal"/>'s key <paramref name="version"/> (or null) and its newest version, read at once.</summary>
    public CertificateAnswer Find(string principal, int version)
    {
        lock (_gate)
        {
            return new CertificateAnswer(GetCertificate(principal, version), principal is null ? 0 : CurrentVersion(principal));
        }
    }

    /// <summary>The newest version issued to <paramref name="principal"/>, or 0.</summary>
    public int CurrentVersion(string principal)
    {
        lock (_gate)
        {
            return _issued.TryGetValue(principal, out var versions) ? versions.Count : 0;
        }
    }

    /// <summary>
    /// Revokes <paramref name="principal"/>'s key <paramref name="version"/>. Returns true when this call revoked it, false
    /// when it already was (the first reason stays). Throws <see cref="ArgumentException"/> for an unknown key or a reason
    /// that is empty or longer than <see cref="MaxReasonLength"/>.
    /// </summary>
    public bool Revoke(string principal, int version, string reason)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength)
        {
            throw new ArgumentException($"a revocation reason is 1..{MaxReasonLength} characters", nameof(reason));
        }

        lock (_gate)
        {
            if (GetCertificate(principal, version) is null)
            {
                throw new ArgumentException($"no certificate for {principal} version {version}", nameof(version));
            }

            if (_revoked.ContainsKey((principal, version)))
            {
                return false;
            }

            var revocation = new Revocation(principal, version, reason, _revocations.Count + 1, _time.GetUtcNow().ToUnixTimeMilliseconds());
            _revocations.Add(revocation);
            _revoked[(principal, version)] = revocation;
            return true;
        }
    }

    /// <summary>The revocation of <paramref name="principal"/>'s key <paramref name="version"/>, or null when it is not revoked.</summary>
    public Revocation? GetRevocation(string principal, int version)
    {
        lock (_gate)
        {
            return _revoked.GetValueOrDefault((principal, version));
        }
    }

    /// <summary>The current epoch and the revocations made after <paramref name="sinceEpoch"/>, oldest first.</summary>
    public RevocationBatch GetRevocations(long sinceEpoch)
    {
        lock (_gate)
        {
            var from = (int)Math.Clamp(sinceEpoch, 0, _revocations.Count);
            return new RevocationBatch(_revocations.Count, _revocations.GetRange(from, _revocations.Count - from));
        }
    }

    /// <summary>Releases the CA's private key.</summary>
    public void Dispose() => _key.Dispose();
}
