using System.Security.Cryptography;

namespace Testbed.Defenses.Identity;

/// <summary>
/// A principal's long-term static key-agreement key (ECDH over NIST P-256), held in the same key object as its signing
/// key and replaced with it. Only the deliberately weak session mode <c>keyAgreement: static</c> uses it: the secret of a
/// static-static agreement is the same for every session of a pair, so whoever later holds either principal's key object
/// and a recorded handshake derives that session's keys — no forward secrecy, there for contrast. The private key never
/// leaves the object: it agrees, it does not export.
/// </summary>
public interface IStaticKeyAgreement
{
    /// <summary>The public key as a session handshake carries it: the 65-byte uncompressed P-256 point <c>0x04 ‖ X ‖ Y</c>.</summary>
    ReadOnlyMemory<byte> StaticPublicKey { get; }

    /// <summary>
    /// Writes the raw ECDH shared secret (32 bytes) of this key with <paramref name="peerPublicKey"/> (a 65-byte
    /// uncompressed point) into <paramref name="secret"/> and returns the bytes written, or -1 when the peer key is not a
    /// valid P-256 public key (wrong length or form, off the curve). The caller zeroes the secret after use. Thread-safe.
    /// </summary>
    int AgreeStatic(ReadOnlySpan<byte> peerPublicKey, Span<byte> secret);
}

/// <summary>
/// The <see cref="IStaticKeyAgreement"/> of one key object: an ECDH P-256 key made in memory on first use (runs that never
/// use the static mode pay nothing) and destroyed by <see cref="Dispose"/>. Nothing exports its private part.
/// </summary>
internal sealed class StaticAgreementKey : IStaticKeyAgreement, IDisposable
{
    private readonly Lazy<(ECDiffieHellman Key, byte[] Public)> _key = new(() =>
    {
        var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return (key, P256Agreement.PublicPoint(key));
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Lock _gate = new();

    /// <inheritdoc />
    public ReadOnlyMemory<byte> StaticPublicKey => _key.Value.Public;

    /// <inheritdoc />
    public int AgreeStatic(ReadOnlySpan<byte> peerPublicKey, Span<byte> secret)
    {
        var key = _key.Value.Key;
        lock (_gate)
        {
            return P256Agreement.Agree(key, peerPublicKey, secret);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_key.IsValueCreated)
        {
            _key.Value.Key.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => "static ECDH P-256 key";
}

/// <summary>ECDH over P-256 with public keys as 65-byte uncompressed points (System.Security.Cryptography.ECDiffieHellman).</summary>
internal static class P256Agreement
{
    /// <summary>Bytes in a public key: <c>0x04 ‖ X(32) ‖ Y(32)</c>.</summary>
    public const int PublicKeyLength = 65;

    /// <summary>The public half of <paramref name="key"/> as an uncompressed point.</summary>
    public static byte[] PublicPoint(ECDiffieHellman key)
    {
        var q = key.ExportParameters(includePrivateParameters: false).Q;
        var point = new byte[PublicKeyLength];
        point[0] = 0x04;
        q.X.AsSpan().CopyTo(point.AsSpan(1, 32));
        q.Y.AsSpan().CopyTo(point.AsSpan(33, 32));
        return point;
    }

    /// <summary>
    /// The raw shared secret of <paramref name="key"/> with <paramref name="peerPublicKey"/> into <paramref name="secret"/>:
    /// the bytes written, or -1 when the peer key is not an uncompressed point on the curve.
    /// </summary>
    public static int Agree(ECDiffieHellman key, ReadOnlySpan<byte> peerPublicKey, Span<byte> secret)
    {
        if (peerPublicKey.Length != PublicKeyLength || peerPublicKey[0] != 0x04)
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
            var raw = key.DeriveRawSecretAgreement(peerKey);
            try
            {
                if (raw.Length > secret.Length)
                {
                    return -1;
                }

                raw.CopyTo(secret);
                return raw.Length;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(raw);
            }
        }
        catch (CryptographicException)
        {
            return -1;
        }
    }
}
