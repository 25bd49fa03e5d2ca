using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Testbed.Attacks.Api;

/// <summary>
/// What a Dolev-Yao adversary knows of the session handshake's hello (docs/session-handshake.md): enough to rewrite the
/// protections it offers and requires. It cannot re-sign, so the initiator's signature after the sets is kept as sent.
/// </summary>
public static class SessionHellos
{
    /// <summary>
    /// The hello with <paramref name="protection"/> (e.g. <c>encrypt</c>) removed from both its offered and required
    /// sets, or null when <paramref name="hello"/> is not a hello or names no such protection.
    /// </summary>
    public static byte[]? WithoutProtection(ReadOnlySpan<byte> hello, string protection)
    {
        // magic(2) version(1) type(1) agreement(1) ephemeral length(1) ephemeral random(32) timestamp(8) ids sets …
        if (hello.Length < 6 || hello[0] != 0x53 || hello[1] != 0x48 || hello[3] != 1)
        {
            return null;
        }

        var p = 6 + hello[5] + 32 + 8;
        for (var id = 0; id < 2 && p < hello.Length; id++)
        {
            p += 1 + hello[p];
        }

        var output = new List<byte>(hello.Length);
        output.AddRange(hello[..p].ToArray());
        var removed = false;
        for (var set = 0; set < 2 && p < hello.Length; set++)
        {
            var names = new List<byte[]>();
            var count = hello[p++];
            for (var i = 0; i < count && p < hello.Length; i++)
            {
                var name = hello.Slice(p + 1, hello[p]).ToArray();
                p += 1 + hello[p];
                if (System.Text.Encoding.ASCII.GetString(name) == protection)
                {
                    removed = true;
                }
                else
                {
                    names.Add(name);
                }
            }

            output.Add((byte)names.Count);
            names.ForEach(n => { output.Add((byte)n.Length); output.AddRange(n); });
        }

        output.AddRange(hello[p..].ToArray());
        return removed ? output.ToArray() : null;
    }

    /// <summary>
    /// A P-256 ephemeral public key as a hello carries it (the uncompressed point <c>0x04 ‖ X ‖ Y</c>, 65 bytes): a real
    /// point on the curve, so a responder's strict parse accepts it. Its private key is thrown away — a forger never agrees.
    /// </summary>
    public static byte[] P256Ephemeral()
    {
        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var q = key.ExportParameters(includePrivateParameters: false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }

    /// <summary>
    /// A canonical version-1 hello (docs/session-handshake.md, "Hello") from <paramref name="initiator"/> to
    /// <paramref name="responder"/> with P-256 key agreement, carrying <paramref name="signature"/> as given: a forger
    /// without the initiator's key passes junk of a signature's length, which a responder can refuse only by verifying it
    /// against the initiator's certified key (<paramref name="keyVersion"/>) — the handshake's most expensive check.
    /// <paramref name="offered"/> and <paramref name="required"/> must be in ascending ordinal order.
    /// </summary>
    public static byte[] Forge(string initiator, string responder, int keyVersion, ReadOnlySpan<byte> ephemeral, ReadOnlySpan<byte> random,
        long timestampMs, IReadOnlyList<string> offered, IReadOnlyList<string> required, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(initiator);
        ArgumentNullException.ThrowIfNull(responder);
        ArgumentNullException.ThrowIfNull(offered);
        ArgumentNullException.ThrowIfNull(required);
        var output = new List<byte>(256) { 0x53, 0x48, 1, 1, 1, (byte)ephemeral.Length };
        output.AddRange(ephemeral.ToArray());
        output.AddRange(random.ToArray());
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, timestampMs);
        output.AddRange(number.ToArray());
        foreach (var id in new[] { initiator, responder })
        {
            output.Add((byte)id.Length);
            output.AddRange(Encoding.ASCII.GetBytes(id));
        }

        foreach (var set in new[] { offered, required })
        {
            output.Add((byte)set.Count);
            foreach (var name in set)
            {
                output.Add((byte)name.Length);
                output.AddRange(Encoding.ASCII.GetBytes(name));
            }
        }

        BinaryPrimitives.WriteInt32BigEndian(number, keyVersion);
        output.AddRange(number[..4].ToArray());
        BinaryPrimitives.WriteUInt16BigEndian(number, (ushort)signature.Length);
        output.AddRange(number[..2].ToArray());
        output.AddRange(signature.ToArray());
        return [.. output];
    }
}
