namespace Testbed.Defenses.Identity;

/// <summary>
/// The testbed's certificate authority, one per cluster (grain key <see cref="CertificateAuthorityGrain.Key"/>). It binds
/// principals' public keys to numbered versions and keeps the revocation list. It holds only public keys: principals'
/// private keys never leave the silo that made them.
/// </summary>
public interface ICertificateAuthority : IGrainWithStringKey
{
    /// <summary>The CA's own public key (certificates are signed with it).</summary>
    Task<CaInfo> GetInfo();

    /// <summary>
    /// Issues a certificate for <paramref name="publicKey"/> (SubjectPublicKeyInfo for ECDSA P-256, 32 raw bytes for Ed25519)
    /// as <paramref name="principal"/>'s next key version (1 for its first key). Throws <see cref="ArgumentException"/> for
    /// an invalid principal id or a key that is not a valid key of <paramref name="algorithm"/>.
    /// </summary>
    Task<Certificate> Certify(string principal, SignatureAlgorithm algorithm, byte[] publicKey);

    /// <summary>The certificate of <paramref name="principal"/>'s key <paramref name="version"/> (also when revoked), or null.</summary>
    Task<Certificate?> GetCertificate(string principal, int version);

    /// <summary>
    /// The certificate of <paramref name="principal"/>'s key <paramref name="version"/> (or null), with the newest version
    /// issued to <paramref name="principal"/> so far: versions are issued 1, 2, … so a verifier learns which versions exist.
    /// </summary>
    Task<CertificateAnswer> FindCertificate(string principal, int version);

    /// <summary>
    /// Revokes <paramref name="principal"/>'s key <paramref name="version"/> for <paramref name="reason"/> (e.g.
    /// <see cref="RevocationReasons.Rotated"/>). Revoking twice changes nothing; an unknown version throws <see cref="ArgumentException"/>.
    /// </summary>
    Task Revoke(string principal, int version, string reason);

    /// <summary>The current revocation epoch and every revocation made after epoch <paramref name="sinceEpoch"/>.</summary>
    Task<RevocationBatch> GetRevocations(long sinceEpoch);
}

/// <summary>
/// A certificate: the CA's signature binding <see cref="PublicKey"/> to <see cref="Principal"/>'s key <see cref="Version"/>.
/// <see cref="CaSignature"/> is an ECDSA P-256 / SHA-256 signature (IEEE P1363, 64 bytes) over the canonical encoding of the
/// other fields (see <see cref="CertificateEncoding"/>). Record equality compares the byte arrays by reference.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Certificate(
    [property: Id(0)] string Principal,
    [property: Id(1)] int Version,
    [property: Id(2)] SignatureAlgorithm Algorithm,
    [property: Id(3)] byte[] PublicKey,
    [property: Id(4)] long IssuedAtMs,
    [property: Id(5)] long Serial,
    [property: Id(6)] byte[] CaSignature)
{
    /// <summary>The bytes <see cref="CaSignature"/> covers.</summary>
    public byte[] ToBeSigned() => CertificateEncoding.Encode(Principal, Version, Algorithm, PublicKey, IssuedAtMs, Serial);
}

/// <summary>The answer to <see cref="ICertificateAuthority.FindCertificate"/>: the certificate asked for (null when not issued) and the principal's newest version (0: none).</summary>
[GenerateSerializer, Immutable]
public sealed record CertificateAnswer([property: Id(0)] Certificate? Certificate, [property: Id(1)] int CurrentVersion);

/// <summary>The CA's public identity: its algorithm (always ECDSA P-256) and public key (SubjectPublicKeyInfo).</summary>
[GenerateSerializer, Immutable]
public sealed record CaInfo([property: Id(0)] SignatureAlgorithm Algorithm, [property: Id(1)] byte[] PublicKey);

/// <summary>One revocation, made at revocation epoch <see cref="Epoch"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record Revocation(
    [property: Id(0)] string Principal,
    [property: Id(1)] int Version,
    [property: Id(2)] string Reason,
    [property: Id(3)] long Epoch,
    [property: Id(4)] long RevokedAtMs);

/// <summary>The answer to <see cref="ICertificateAuthority.GetRevocations"/>: the CA's current epoch and the revocations after the asked one, oldest first.</summary>
[GenerateSerializer, Immutable]
public sealed record RevocationBatch([property: Id(0)] long Epoch, [property: Id(1)] IReadOnlyList<Revocation> Revocations);

/// <summary>Revocation reasons with a meaning to the trust store.</summary>
public static class RevocationReasons
{
    /// <summary>The key was replaced by a newer version (<see cref="KeyStore.RotateAsync(string)"/>): verifiers report it as rotated out.</summary>
    public const string Rotated = "rotated";

    /// <summary>The key is known to an adversary. Any reason other than <see cref="Rotated"/> reads as revoked.</summary>
    public const string Compromised = "compromised";
}
