using System.Security.Cryptography;
using NSec.Cryptography;

namespace Testbed.Defenses.Session;

/// <summary>
/// One handshake's ephemeral key pair. The private key never leaves the object and is destroyed by
/// <see cref="IDisposable.Dispose"/>, which the handshake calls right after deriving the session keys (forward secrecy).
/// </summary>
internal abstract class EphemeralKey : IDisposable
{
    /// <summary>Bytes in the largest raw shared secret of any supported agreement.</summary>
    public const int MaxSharedSecretLength = 32;

    /// <summary>The public key as sent in the handshake (P-256: 65-byte uncompressed point; X25519: 32 bytes).</summary>
    public abstract ReadOnlySpan<byte> PublicKey { get; }

    /// <summary>Creates a fresh key pair for <paramref name="agreement"/>.</summary>
    public static EphemeralKey Create(SessionKeyAgreement agreement) => agreement switch
    {
        SessionKeyAgreement.P256 => new P256(),
        SessionKeyAgreement.X25519 => new X25519Key(),
        _ => throw new ArgumentOutOfRangeException(nameof(agreement), agreement, "unknown key agreement"),
    };

    /// <summary>Bytes in a public key of <paramref name="agreement"/>.</summary>
    public static int PublicKeyLength(SessionKeyAgreement agreement) => agreement switch
    {
        SessionKeyAgreement.P256 => 65,
        SessionKeyAgreement.X25519 => 32,
        _ => 0,
    };

    /// <summary>
    /// Computes the raw shared secret with <paramref name="peerPublicKey"/> into <paramref name="secret"/> and returns
    /// the bytes written, or -1 when the peer key is not a valid public key (off the curve, low order).
    /// </summary>
    public abstract int Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> secret);

    /// <inheritdoc />
    public abstract void Dispose();

    private sealed class P256 : EphemeralKey
    {
        private readonly ECDiffieHellman _key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        private readonly byte[] _public;

        public P256()
        {
            var q = _key.ExportParameters(includePrivateParameters: false).Q;
            _public = new byte[65];
            _public[0] = 0x04;
            q.X.AsSpan().CopyTo(_public.AsSpan(1, 32));
            q.Y.AsSpan().CopyTo(_public.AsSpan(33, 32));
        }

        public override ReadOnlySpan<byte> PublicKey => _public;

        public override int Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> secret)
        {
            if (peerPublicKey.Length != 65 || peerPublicKey[0] != 0x04)
            {
                return -1;
            }

            var point = new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = peerPublicKey.Slice(1, 32).ToArray(), Y = peerPublicKey.Slice(33, 32).ToArray() },
            };
            try
            {
                using var peer = ECDiffieHellman.Create(point); // rejects points that are not on the curve
                using var peerKey = peer.PublicKey;
                var raw = _key.DeriveRawSecretAgreement(peerKey);
                raw.CopyTo(secret);
                CryptographicOperations.ZeroMemory(raw);
                return raw.Length;
            }
            catch (CryptographicException)
            {
                return -1;
            }
        }

        public override void Dispose() => _key.Dispose();
    }

    private sealed class X25519Key : EphemeralKey
    {
        private readonly Key _key = Key.Create(KeyAgreementAlgorithm.X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None });
        private readonly byte[] _public;

        public X25519Key() => _public = _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);

        public override ReadOnlySpan<byte> PublicKey => _public;

        public override int Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> secret)
        {
            if (peerPublicKey.Length != 32
                || !NSec.Cryptography.PublicKey.TryImport(KeyAgreementAlgorithm.X25519, peerPublicKey, KeyBlobFormat.RawPublicKey, out var peer)
                || peer is null)
            {
                return -1;
            }

            // NSec returns no secret for low-order points (an all-zero result).
            var exportable = new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
            using var shared = KeyAgreementAlgorithm.X25519.Agree(_key, peer, exportable);
            return shared is not null && shared.TryExport(SharedSecretBlobFormat.RawSharedSecret, secret, out var written) ? written : -1;
        }

        public override void Dispose() => _key.Dispose();
    }
}
