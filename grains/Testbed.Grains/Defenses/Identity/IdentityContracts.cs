namespace Testbed.Defenses.Identity;

/// <summary>Signature schemes a principal's long-term key may use.</summary>
public enum SignatureAlgorithm
{
    /// <summary>ECDSA over P-256 with SHA-256, IEEE P1363 signatures (64 bytes). System.Security.Cryptography.</summary>
    EcdsaP256,
    /// <summary>Ed25519 (64-byte signatures), via NSec.Cryptography.</summary>
    Ed25519,
}

/// <summary>A principal's own long-term signing key. The private key never leaves the object (no export, not serializable).</summary>
public interface ISigningKey
{
    /// <summary>Whose key this is.</summary>
    string Principal { get; }

    /// <summary>The key's version (rotation increments it); certificates name it.</summary>
    int Version { get; }

    /// <summary>The scheme.</summary>
    SignatureAlgorithm Algorithm { get; }

    /// <summary>Bytes in a signature.</summary>
    int SignatureSize { get; }

    /// <summary>Signs <paramref name="data"/> into <paramref name="signature"/> (exactly <see cref="SignatureSize"/> bytes).</summary>
    void Sign(ReadOnlySpan<byte> data, Span<byte> signature);
}

/// <summary>A verifier of one principal's signatures under one certified key version.</summary>
public interface ISignatureVerifier
{
    /// <summary>Whose key this verifies.</summary>
    string Principal { get; }

    /// <summary>The certified key version.</summary>
    int Version { get; }

    /// <summary>The scheme.</summary>
    SignatureAlgorithm Algorithm { get; }

    /// <summary>True when <paramref name="signature"/> is a valid signature of <paramref name="data"/>.</summary>
    bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);
}

/// <summary>Gives local principals their current signing key (created and certified on first use).</summary>
public interface IKeyStore
{
    /// <summary>The current signing key of <paramref name="principal"/>.</summary>
    ValueTask<ISigningKey> GetSigningKeyAsync(string principal);
}

/// <summary>
/// What a verifier trusts: certificates issued by the testbed CA, with rotation and revocation propagated from it.
/// Parsed public keys are cached.
/// </summary>
public interface ITrustStore
{
    /// <summary>
    /// The verifier for <paramref name="principal"/>'s key <paramref name="version"/>, or null when no valid certificate
    /// exists for it (unknown, rotated out, or revoked as far as this store has learned).
    /// </summary>
    ValueTask<ISignatureVerifier?> GetVerifierAsync(string principal, int version);
}
