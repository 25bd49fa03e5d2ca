using System.Collections.Concurrent;
using System.Security.Cryptography;
using Testbed.Defenses.Identity;

namespace Testbed.Tests.Defenses.Session.Fakes;

/// <summary>
/// A test key store: one ECDSA P-256 key per principal, made on first use (version 1, incremented by <see cref="Rotate"/>).
/// </summary>
internal sealed class InMemoryKeyStore : IKeyStore
{
    private readonly ConcurrentDictionary<string, EcdsaSigningKey> _keys = new(StringComparer.Ordinal);

    public ValueTask<ISigningKey> GetSigningKeyAsync(string principal) => ValueTask.FromResult<ISigningKey>(Key(principal));

    /// <summary>The principal's current key (created on first use).</summary>
    public EcdsaSigningKey Key(string principal) => _keys.GetOrAdd(principal, p => new EcdsaSigningKey(p, 1));

    /// <summary>Replaces the principal's key with a new one of the next version.</summary>
    public void Rotate(string principal) => _keys[principal] = new EcdsaSigningKey(principal, Key(principal).Version + 1);
}

/// <summary>
/// A test trust store backed by an <see cref="InMemoryKeyStore"/>: it trusts the current key of every principal that
/// has one, except principals it was told to <see cref="Distrust"/> and key versions it learned were <see cref="Revoke"/>d
/// (which it reports, as the real store does, through <see cref="IRevocationView"/>).
/// </summary>
internal sealed class InMemoryTrustStore(InMemoryKeyStore keys) : ITrustStore, IRevocationView
{
    private readonly ConcurrentDictionary<string, bool> _distrusted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, int), bool> _revoked = new();
    private long _epoch;

    public int Lookups;

    public long Epoch => Interlocked.Read(ref _epoch);

    public bool IsRevoked(string principal, int version) => _revoked.ContainsKey((principal, version));

    /// <summary>The store learns that <paramref name="principal"/>'s key <paramref name="version"/> was revoked (as at a poll).</summary>
    public void Revoke(string principal, int version)
    {
        _revoked[(principal, version)] = true;
        Interlocked.Increment(ref _epoch);
    }

    public ValueTask<ISignatureVerifier?> GetVerifierAsync(string principal, int version)
    {
        Interlocked.Increment(ref Lookups);
        if (_distrusted.ContainsKey(principal) || IsRevoked(principal, version))
        {
            return ValueTask.FromResult<ISignatureVerifier?>(null);
        }

        var key = keys.Key(principal);
        return ValueTask.FromResult<ISignatureVerifier?>(key.Version == version ? key.Verifier : null);
    }

    /// <summary>From now on, no key of <paramref name="principal"/> is trusted.</summary>
    public void Distrust(string principal) => _distrusted[principal] = true;

    /// <summary>Trusts <paramref name="principal"/>'s current key again.</summary>
    public void Restore(string principal) => _distrusted.TryRemove(principal, out _);
}

/// <summary>
/// An ECDSA P-256 / SHA-256 signing key with IEEE P1363 (64-byte) signatures, and — as the product's key objects — a
/// static key-agreement key for <c>keyAgreement: static</c> (the product's own <see cref="StaticAgreementKey"/>).
/// </summary>
internal sealed class EcdsaSigningKey : ISigningKey, IStaticKeyAgreement
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly StaticAgreementKey _agreement = new();

    public EcdsaSigningKey(string principal, int version)
    {
        Principal = principal;
        Version = version;
        Verifier = new EcdsaVerifier(principal, version, ECDsa.Create(_key.ExportParameters(includePrivateParameters: false)));
    }

    public string Principal { get; }

    public int Version { get; }

    public SignatureAlgorithm Algorithm => SignatureAlgorithm.EcdsaP256;

    public int SignatureSize => 64;

    public ISignatureVerifier Verifier { get; }

    public ReadOnlyMemory<byte> StaticPublicKey => _agreement.StaticPublicKey;

    public int AgreeStatic(ReadOnlySpan<byte> peerPublicKey, Span<byte> secret) => _agreement.AgreeStatic(peerPublicKey, secret);

    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        lock (_key)
        {
            if (!_key.TrySignData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var written) || written != SignatureSize)
            {
                throw new CryptographicException("signing failed");
            }
        }
    }

    private sealed class EcdsaVerifier(string principal, int version, ECDsa key) : ISignatureVerifier
    {
        public string Principal { get; } = principal;

        public int Version { get; } = version;

        public SignatureAlgorithm Algorithm => SignatureAlgorithm.EcdsaP256;

        public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            lock (key)
            {
                return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
        }
    }
}
