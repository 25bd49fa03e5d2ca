using System.Buffers.Binary;
using System.Text;
using Testbed.Envelopes;

namespace Testbed.Defenses.Identity;

/// <summary>
/// The canonical bytes a <see cref="Certificate"/>'s CA signature covers (big-endian, every variable field length-prefixed,
/// so two different certificates never share an encoding):
/// <code>
/// "testbed-certificate-v1"  22 ASCII bytes (domain separation: never a valid envelope or other signed message)
/// u8   principal length, then the principal id's ASCII bytes (1..64, [a-z0-9._/-])
/// i32  key version
/// u8   algorithm (0 = ecdsa-p256, 1 = ed25519)
/// u16  public key length, then the public key bytes (SubjectPublicKeyInfo for ECDSA P-256, 32 raw bytes for Ed25519)
/// i64  issued-at, unix milliseconds
/// i64  serial
/// </code>
/// </summary>
public static class CertificateEncoding
{
    private static readonly byte[] Domain = "testbed-certificate-v1"u8.ToArray();

    /// <summary>Encodes the to-be-signed fields. Throws <see cref="ArgumentException"/> for an invalid principal id or a public key over 65535 bytes.</summary>
    public static byte[] Encode(string principal, int version, SignatureAlgorithm algorithm, ReadOnlySpan<byte> publicKey, long issuedAtMs, long serial)
    {
        if (!PrincipalId.IsValid(principal))
        {
            throw new ArgumentException("not a valid principal id (1..64 bytes of [a-z0-9._/-])", nameof(principal));
        }

        if (publicKey.Length > ushort.MaxValue)
        {
            throw new ArgumentException("public key is too long", nameof(publicKey));
        }

        var bytes = new byte[Domain.Length + 1 + principal.Length + 4 + 1 + 2 + publicKey.Length + 8 + 8];
        var span = bytes.AsSpan();
        Domain.CopyTo(span);
        var p = Domain.Length;
        span[p++] = (byte)principal.Length;
        p += Encoding.ASCII.GetBytes(principal, span[p..]);
        BinaryPrimitives.WriteInt32BigEndian(span[p..], version);
        p += 4;
        span[p++] = (byte)algorithm;
        BinaryPrimitives.WriteUInt16BigEndian(span[p..], (ushort)publicKey.Length);
        p += 2;
        publicKey.CopyTo(span[p..]);
        p += publicKey.Length;
        BinaryPrimitives.WriteInt64BigEndian(span[p..], issuedAtMs);
        p += 8;
        BinaryPrimitives.WriteInt64BigEndian(span[p..], serial);
        return bytes;
    }
}
