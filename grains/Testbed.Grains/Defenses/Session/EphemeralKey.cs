using System.Security.Cryptography;
using NSec.Cryptography;
using Testbed.Defenses.Identity;

namespace Testbed.Defenses.Session;

/// <summary>
/// One handshake side's key-agreement key. For P-256 and X25519 a fresh ephemeral key pair: the private key never
/// leaves the object and is destroyed by <see cref="IDisposable.Dispose"/>, which the handshake calls right after deriving
/// the session keys (forward secrecy). For <see cref="SessionKeyAgreement.Static"/> it stands for the principal's
/// long-term static key (<see cref="IStaticKeyAgreement"/>), which <see cref="IDisposable.Dispose"/> leaves alone — the
/// point of that weak mode.
/// </summary>
internal abstract class EphemeralKey : IDisposable
{
    /// <summary>Bytes in the largest raw shared secret of any supported agreement.</summary>
    public const int MaxSharedSecretLength = 32;

    /// <summary>The public key as sent in the handshake (P-256 and static: 65-byte uncompressed point; X25519: 32 bytes).</summary>
    public abstract ReadOnlySpan<byte> PublicKey { get; }

    /// <summary>
    /// The key for <paramref name="agreement"/>: a fresh key pair, or — static — <paramref name="longTerm"/>'s static
    /// key-agreement key. Throws <see cref="InvalidOperationException"/> when static is asked of a key object without one.
    /// </summary>
    public static EphemeralKey Create(SessionKeyAgreement agreement, ISigningKey longTerm) => agreement switch
    {
        SessionKeyAgreement.P256 => new P256(),
        SessionKeyAgreement.X25519 => new X25519Key(),
        SessionKeyAgreement.Static => new StaticKey(longTerm as IStaticKeyAgreement
            ?? throw new InvalidOperationException($"session: keyAgreement static needs a key store whose keys agree ({nameof(IStaticKeyAgreement)}); {longTerm} does not")),
        _ => throw new ArgumentOutOfRangeException(nameof(agreement), agreement, "unknown key agreement"),
    };

    /// <summary>Bytes in a public key of <paramref name="agreement"/>.</summary>
    public static int PublicKeyLength(SessionKeyAgreement agreement) => agreement switch
    {
        SessionKeyAgreement.P256 or SessionKeyAgreement.Static => P256Agreement.PublicKeyLength,
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

        public P256() => _public = P256Agreement.PublicPoint(_key);

        public override ReadOnlySpan<byte> PublicKey => _public;

        public override int Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> secret) => P256Agreement.Agree(_key, peerPublicKey, secret);

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

    /// <summary>The long-term static key, borrowed: agreeing uses it, disposing does not destroy it (no forward secrecy).</summary>
    private sealed class StaticKey(IStaticKeyAgreement key) : EphemeralKey
    {
        private readonly ReadOnlyMemory<byte> _public = key.StaticPublicKey;

        public override ReadOnlySpan<byte> PublicKey => _public.Span;

        public override int Agree(ReadOnlySpan<byte> peerPublicKey, Span<byte> secret) => key.AgreeStatic(peerPublicKey, secret);

        public override void Dispose()
        {
        }
    }
}
