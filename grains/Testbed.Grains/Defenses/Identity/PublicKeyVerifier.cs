using System.Collections.Concurrent;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace Testbed.Defenses.Identity;

/// <summary>A parsed public key that verifies signatures. Thread-safe; built once per certified key and cached.</summary>
internal abstract class PublicKeyVerifier
{
    /// <summary>The P-256 curve's OID.</summary>
    private const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>The scheme.</summary>
    public abstract SignatureAlgorithm Algorithm { get; }

    /// <summary>True when <paramref name="signature"/> is a valid signature of <paramref name="data"/>.</summary>
    public abstract bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    /// <summary>Parses <paramref name="publicKey"/> as a key of <paramref name="algorithm"/>; false (never throws) when it is not one.</summary>
    public static bool TryCreate(SignatureAlgorithm algorithm, byte[] publicKey, out PublicKeyVerifier? verifier)
    {
        verifier = null;
        if (publicKey is null)
        {
            return false;
        }

        switch (algorithm)
        {
            case SignatureAlgorithm.EcdsaP256:
                using (var probe = TryImportP256(publicKey))
                {
                    if (probe is null)
                    {
                        return false;
                    }
                }

                verifier = new EcdsaP256Verifier(publicKey.ToArray());
                return true;
            case SignatureAlgorithm.Ed25519:
                if (publicKey.Length != 32
                    || !PublicKey.TryImport(NSec.Cryptography.SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var key)
                    || key is null)
                {
                    return false;
                }

                verifier = new Ed25519Verifier(key);
                return true;
            default:
                return false;
        }
    }

    /// <summary>An ECDsa holding exactly the P-256 SubjectPublicKeyInfo <paramref name="spki"/>, or null.</summary>
    private static ECDsa? TryImportP256(byte[] spki)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read == spki.Length && ecdsa.ExportParameters(false).Curve.Oid?.Value == P256Oid)
            {
                return ecdsa;
            }
        }
        catch (CryptographicException)
        {
        }

        ecdsa.Dispose();
        return null;
    }

    /// <summary>
    /// ECDSA P-256 / SHA-256 / IEEE P1363. .NET does not promise that one ECDsa object may verify on several threads at
    /// once, so each verification rents an ECDsa from a small pool (imported from the SubjectPublicKeyInfo on demand).
    /// </summary>
    private sealed class EcdsaP256Verifier(byte[] spki) : PublicKeyVerifier
    {
        private const int MaxPooled = 8;
        private readonly ConcurrentBag<ECDsa> _pool = [];

        public override SignatureAlgorithm Algorithm => SignatureAlgorithm.EcdsaP256;

        public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            if (signature.Length != KeyMaterial.SignatureSize)
            {
                return false;
            }

            if (!_pool.TryTake(out var ecdsa))
            {
                ecdsa = TryImportP256(spki) ?? throw new CryptographicException("certified P-256 key no longer imports");
            }

            try
            {
                return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
            finally
            {
                if (_pool.Count < MaxPooled)
                {
                    _pool.Add(ecdsa);
                }
                else
                {
                    ecdsa.Dispose();
                }
            }
        }
    }

    /// <summary>Ed25519 via NSec; the imported public key is immutable and verification is thread-safe.</summary>
    private sealed class Ed25519Verifier(PublicKey key) : PublicKeyVerifier
    {
        public override SignatureAlgorithm Algorithm => SignatureAlgorithm.Ed25519;

        public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
            signature.Length == KeyMaterial.SignatureSize && NSec.Cryptography.SignatureAlgorithm.Ed25519.Verify(key, data, signature);
    }
}
