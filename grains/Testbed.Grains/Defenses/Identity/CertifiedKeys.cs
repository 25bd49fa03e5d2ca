namespace Testbed.Defenses.Identity;

/// <summary>
/// A local principal's certified long-term signing key: the private key (in memory only, never exported) and the
/// certificate the CA issued for its public half. Thread-safe. The same object holds the principal's static
/// key-agreement key of this version (<see cref="IStaticKeyAgreement"/>, made on first use; only the weak session mode
/// <c>keyAgreement: static</c> uses it), so handing the key object over hands over both.
/// </summary>
public sealed class SigningKey : ISigningKey, IStaticKeyAgreement, IDisposable
{
    private readonly KeyMaterial _material;
    private readonly StaticAgreementKey _agreement = new();

    internal SigningKey(Certificate certificate, KeyMaterial material)
    {
        Certificate = certificate;
        _material = material;
    }

    /// <summary>The certificate of this key (public data).</summary>
    public Certificate Certificate { get; }

    /// <inheritdoc />
    public string Principal => Certificate.Principal;

    /// <inheritdoc />
    public int Version => Certificate.Version;

    /// <inheritdoc />
    public SignatureAlgorithm Algorithm => _material.Algorithm;

    /// <inheritdoc />
    public int SignatureSize => KeyMaterial.SignatureSize;

    /// <inheritdoc />
    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature) => _material.Sign(data, signature);

    /// <inheritdoc />
    public ReadOnlyMemory<byte> StaticPublicKey => _agreement.StaticPublicKey;

    /// <inheritdoc />
    public int AgreeStatic(ReadOnlySpan<byte> peerPublicKey, Span<byte> secret) => _agreement.AgreeStatic(peerPublicKey, secret);

    /// <summary>Releases the private keys; signing (and agreeing) afterwards throws.</summary>
    public void Dispose()
    {
        _material.Dispose();
        _agreement.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"signing key {Principal} v{Version} ({SignatureAlgorithmNames.Name(Algorithm)})";
}

/// <summary>A verifier for one certified (principal, version), built from its certificate's public key.</summary>
internal sealed class CertifiedVerifier(Certificate certificate, PublicKeyVerifier key) : ISignatureVerifier
{
    public Certificate Certificate { get; } = certificate;

    public string Principal => Certificate.Principal;

    public int Version => Certificate.Version;

    public SignatureAlgorithm Algorithm => key.Algorithm;

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => key.Verify(data, signature);

    public override string ToString() => $"verifier {Principal} v{Version} ({SignatureAlgorithmNames.Name(Algorithm)})";
}

/// <summary>Checks that certificates were issued by one CA (its <see cref="CaInfo"/>) and turns them into verifiers. Thread-safe.</summary>
public sealed class CertificateValidator
{
    private readonly PublicKeyVerifier _ca;

    /// <summary>Parses the CA's public key; throws <see cref="ArgumentException"/> when it is not an ECDSA P-256 key.</summary>
    public CertificateValidator(CaInfo ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (ca.Algorithm != SignatureAlgorithm.EcdsaP256 || !PublicKeyVerifier.TryCreate(ca.Algorithm, ca.PublicKey, out var key))
        {
            throw new ArgumentException("the CA key is not an ECDSA P-256 SubjectPublicKeyInfo", nameof(ca));
        }

        _ca = key!;
    }

    /// <summary>True when <paramref name="certificate"/> is well formed and its CA signature verifies under this CA's key.</summary>
    public bool IsIssuedByCa(Certificate? certificate)
    {
        if (certificate is null || certificate.PublicKey is null || certificate.CaSignature is null
            || !SignatureAlgorithmNames.IsDefined(certificate.Algorithm) || certificate.Version <= 0)
        {
            return false;
        }

        byte[] toBeSigned;
        try
        {
            toBeSigned = certificate.ToBeSigned();
        }
        catch (ArgumentException)
        {
            return false;
        }

        return _ca.Verify(toBeSigned, certificate.CaSignature);
    }

    /// <summary>
    /// The verifier for <paramref name="certificate"/> when it is issued by this CA and holds a usable key of its
    /// algorithm; otherwise null.
    /// </summary>
    public ISignatureVerifier? TryCreateVerifier(Certificate? certificate) =>
        IsIssuedByCa(certificate) && PublicKeyVerifier.TryCreate(certificate!.Algorithm, certificate.PublicKey, out var key)
            ? new CertifiedVerifier(certificate, key!)
            : null;
}
