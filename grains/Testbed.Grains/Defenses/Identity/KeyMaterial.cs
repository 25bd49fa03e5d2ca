using System.Security.Cryptography;
using NSec.Cryptography;

namespace Testbed.Defenses.Identity;

/// <summary>
/// A freshly made private key, held in memory only. Nothing here exports, serializes or prints the private part:
/// only <see cref="PublicKey"/> leaves the object. Ed25519 keys are created with <see cref="KeyExportPolicies.None"/>.
/// </summary>
internal abstract class KeyMaterial : IDisposable
{
    /// <summary>Bytes in a signature of either scheme.</summary>
    public const int SignatureSize = 64;

    /// <summary>The scheme.</summary>
    public abstract SignatureAlgorithm Algorithm { get; }

    /// <summary>The public key as certificates carry it (SubjectPublicKeyInfo for ECDSA P-256, 32 raw bytes for Ed25519).</summary>
    public abstract byte[] PublicKey { get; }

    /// <summary>Signs <paramref name="data"/> into <paramref name="signature"/> (exactly <see cref="SignatureSize"/> bytes). Thread-safe.</summary>
    public abstract void Sign(ReadOnlySpan<byte> data, Span<byte> signature);

    /// <inheritdoc />
    public abstract void Dispose();

    /// <summary>Makes a new key of <paramref name="algorithm"/>.</summary>
    public static KeyMaterial Create(SignatureAlgorithm algorithm) => algorithm switch
    {
        SignatureAlgorithm.EcdsaP256 => new EcdsaP256KeyMaterial(),
        SignatureAlgorithm.Ed25519 => new Ed25519KeyMaterial(),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "not a signature algorithm"),
    };

    /// <inheritdoc />
    public override string ToString() => $"{SignatureAlgorithmNames.Name(Algorithm)} private key";

    protected static void CheckSignatureSpan(Span<byte> signature)
    {
        if (signature.Length != SignatureSize)
        {
            throw new ArgumentException($"a signature is {SignatureSize} bytes; the destination holds {signature.Length}", nameof(signature));
        }
    }

    /// <summary>ECDSA over P-256 with SHA-256, IEEE P1363 signatures. One ECDsa object, used under a lock.</summary>
    private sealed class EcdsaP256KeyMaterial : KeyMaterial
    {
        private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private readonly Lock _gate = new();

        public EcdsaP256KeyMaterial() => PublicKey = _key.ExportSubjectPublicKeyInfo();

        public override SignatureAlgorithm Algorithm => SignatureAlgorithm.EcdsaP256;

        public override byte[] PublicKey { get; }

        public override void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
        {
            CheckSignatureSpan(signature);
            bool ok;
            int written;
            lock (_gate)
            {
                ok = _key.TrySignData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out written);
            }

            if (!ok || written != SignatureSize)
            {
                throw new CryptographicException("ECDSA P-256 signing did not produce a 64-byte signature");
            }
        }

        public override void Dispose() => _key.Dispose();
    }

    /// <summary>Ed25519 via NSec (libsodium); signing is thread-safe.</summary>
    private sealed class Ed25519KeyMaterial : KeyMaterial
    {
        private readonly Key _key = Key.Create(NSec.Cryptography.SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None });

        public Ed25519KeyMaterial() => PublicKey = _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);

        public override SignatureAlgorithm Algorithm => SignatureAlgorithm.Ed25519;

        public override byte[] PublicKey { get; }

        public override void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
        {
            CheckSignatureSpan(signature);
            NSec.Cryptography.SignatureAlgorithm.Ed25519.Sign(_key, data, signature);
        }

        public override void Dispose() => _key.Dispose();
    }
}
