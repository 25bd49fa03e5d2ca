using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Testbed.Hosting.Cluster;

/// <summary>
/// A run-scoped certificate authority for Orleans transport TLS: an ECDSA P-256 root made in memory when the run starts,
/// which issues one certificate per node (each silo, the client) for mutual TLS. Nothing is written to disk or exported;
/// private keys live in the certificate objects only and are never logged. <see cref="IsTrusted"/> accepts exactly the
/// certificates this authority issued (chain to this root, within validity, usable for TLS), so two runs — or a run and
/// a rogue node with its own authority — never trust each other.
/// </summary>
public sealed class TransportCredentials : IDisposable
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private readonly X509Certificate2? _authority; // null: trust only (a silo process, which verifies but never issues)
    private readonly X509Certificate2 _trustAnchor;
    private readonly Lock _gate = new();
    private readonly List<X509Certificate2> _issued = [];
    private bool _disposed;

    private TransportCredentials(X509Certificate2? authority, byte[] anchor)
    {
        _authority = authority;
        _trustAnchor = X509CertificateLoader.LoadCertificate(anchor); // public part only
    }

    /// <summary>The authority's subject (e.g. <c>CN=testbed transport CA 1a2b3c4d</c>).</summary>
    public string AuthoritySubject => _trustAnchor.Subject;

    /// <summary>The authority's certificate (DER, public): what a node needs to decide trust.</summary>
    public byte[] AuthorityCertificate => _trustAnchor.RawData;

    /// <summary>False for credentials made with <see cref="TrustOnly"/>.</summary>
    public bool CanIssue => _authority is not null;

    /// <summary>
    /// Credentials that trust the authority of <paramref name="authorityCertificate"/> (DER) and cannot issue: what a
    /// silo process holds, beside its own certificate, when the runner's authority issued it.
    /// </summary>
    public static TransportCredentials TrustOnly(byte[] authorityCertificate)
    {
        ArgumentNullException.ThrowIfNull(authorityCertificate);
        return new TransportCredentials(null, authorityCertificate);
    }

    /// <summary>
    /// Issues a certificate for <paramref name="node"/> and exports it with its private key as PKCS#12 (no password:
    /// the bytes are for a pipe to a child process, never for a file). The caller zeroes them after use.
    /// </summary>
    public byte[] ExportNode(string node)
    {
        var certificate = Issue(node);
        try
        {
            return certificate.Export(X509ContentType.Pkcs12);
        }
        finally
        {
            lock (_gate)
            {
                _issued.Remove(certificate); // the key went to the node: this process keeps no copy of it
            }

            certificate.Dispose();
        }
    }

    /// <summary>Loads a certificate exported by <see cref="ExportNode"/> with an ephemeral key (never written to a key store).</summary>
    public static X509Certificate2 ImportNode(byte[] pkcs12) =>
        X509CertificateLoader.LoadPkcs12(pkcs12, password: null, X509KeyStorageFlags.EphemeralKeySet);

    /// <summary>Makes a new authority, valid from a few minutes ago for <paramref name="lifetime"/> (default one day).</summary>
    public static TransportCredentials Create(string name = "testbed", TimeSpan? lifetime = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var request = new CertificateRequest($"CN={name} transport CA {suffix}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var authority = request.CreateSelfSigned(now.AddMinutes(-5), now + (lifetime ?? TimeSpan.FromDays(1)));
        return new TransportCredentials(authority, authority.RawData);
    }

    /// <summary>
    /// Issues a certificate for node <paramref name="node"/> (subject <c>CN=&lt;node&gt;</c>, DNS name <paramref name="node"/>),
    /// with its private key, usable as TLS server and client. The credentials own it and dispose it with themselves.
    /// </summary>
    public X509Certificate2 Issue(string node)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(node);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={node}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuth), new Oid(ClientAuth)], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(node);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_trustAnchor, true, false));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_authority is null)
            {
                throw new InvalidOperationException("these credentials only trust an authority: they cannot issue certificates");
            }

            var notBefore = _authority.NotBefore.ToUniversalTime();
            var notAfter = _authority.NotAfter.ToUniversalTime();
            using var publicOnly = request.Create(_authority, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
            var certificate = publicOnly.CopyWithPrivateKey(key);
            _issued.Add(certificate);
            return certificate;
        }
    }

    /// <summary>
    /// True when <paramref name="certificate"/> was issued by this authority: it chains to this root (and only this
    /// root: no system trust store is consulted), is within its validity period, and is marked for TLS use.
    /// </summary>
    public bool IsTrusted(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_trustAnchor);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = DateTime.UtcNow;
        if (!chain.Build(certificate) || chain.ChainElements.Count != 2)
        {
            return false;
        }

        var root = chain.ChainElements[^1].Certificate;
        return root.RawDataMemory.Span.SequenceEqual(_trustAnchor.RawDataMemory.Span)
            && certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
                .Any(e => e.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value is ServerAuth or ClientAuth));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var certificate in _issued)
            {
                certificate.Dispose();
            }

            _issued.Clear();
            _authority?.Dispose();
            _trustAnchor.Dispose();
        }
    }
}
