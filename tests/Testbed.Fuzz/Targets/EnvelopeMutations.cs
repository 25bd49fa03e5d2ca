using System.Numerics;
using System.Text;
using Testbed.Envelopes;
using Testbed.Fuzz.Engine;

namespace Testbed.Fuzz.Targets;

/// <summary>
/// Structure-aware mutations of v1 envelope frames (docs/envelope-format.md): the integer fields of a frame for the
/// byte mutator, and decode → change one field → encode, so that most inputs get past the codec and reach what is
/// behind it. Field changes: kind, sender and recipient (other principals, swapped), sequence and timestamp (off by
/// some, boundaries, another frame's), key id (another frame's, segments dropped, duplicated, reordered, re-cased,
/// edited), payload and tag (another frame's, bit flips, cut, grown, emptied) and, for a 64-byte ECDSA P-256 signature,
/// its other valid form (s → n − s).
/// </summary>
public static class EnvelopeMutations
{
    private static readonly BigInteger P256Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    private static readonly string[] Principals = ["customer/0", "customer/1", "payments/0", "payments/1", "account/0", "account/1", "echo/0", "anonymous", "a"];

    /// <summary>Tokens for the byte mutator: magic, principal ids, key id segments.</summary>
    public static IReadOnlyList<byte[]> Dictionary { get; } =
    [
        "TB\u0001"u8.ToArray(), .. Principals.Select(Encoding.ASCII.GetBytes), "k=1"u8.ToArray(), "k=2"u8.ToArray(), "+"u8.ToArray(),
        "s="u8.ToArray(), "n="u8.ToArray(), "+k=1"u8.ToArray(), "="u8.ToArray(), [0, 11], [0, 12], [0, 15], [0, 0, 0, 0],
    ];

    /// <summary>The integer fields of an envelope frame, as far as its length prefixes can be followed.</summary>
    public static IReadOnlyList<Field> Fields(byte[] frame)
    {
        var fields = new List<Field> { new(2, 1), new(3, 2), new(5, 1), new(6, 8), new(14, 8) };
        var p = EnvelopeCodec.FixedPrefixLength;
        for (var id = 0; id < 3 && p < frame.Length; id++)
        {
            fields.Add(new(p, 1));
            p += 1 + frame[p];
        }

        if (p + 4 <= frame.Length)
        {
            fields.Add(new(p, 4));
            p += 4 + (int)Math.Min(int.MaxValue / 2, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(p)));
            if (p + 2 <= frame.Length)
            {
                fields.Add(new(p, 2));
            }
        }

        fields.RemoveAll(f => f.Offset + f.Width > frame.Length);
        return fields;
    }

    /// <summary>Decodes <paramref name="seed"/>, changes one field, encodes; null when the seed or the result is not an envelope.</summary>
    public static byte[]? Mutate(byte[] seed, IReadOnlyList<byte[]> corpus, FuzzRandom random)
    {
        if (!EnvelopeCodec.TryDecode(seed, out var e, out _))
        {
            return null;
        }

        var other = EnvelopeCodec.TryDecode(random.Pick(corpus), out var o, out _) ? o : e;
        var changed = random.Next(12) switch
        {
            0 => e with { Kind = random.OneIn(6) ? (EnvelopeKind)random.Next(0, 17) : random.Pick(Kinds) },
            1 => e with { Sender = random.OneIn(3) ? e.Recipient : random.Pick(Principals) },
            2 => e with { Recipient = random.OneIn(3) ? e.Sender : random.Pick(Principals) },
            3 => e with { Sender = e.Recipient, Recipient = e.Sender },
            4 => e with { Sequence = Nudge(e.Sequence, other.Sequence, random) },
            5 => e with { TimestampMs = (long)Nudge((ulong)e.TimestampMs, (ulong)other.TimestampMs, random) },
            6 or 7 => e with { KeyId = MutateKeyId(e.KeyId, other.KeyId, random) },
            8 => e with { Payload = MutateBytes(e.Payload.ToArray(), other.Payload.ToArray(), random) },
            9 or 10 => e with { Tag = MutateTag(e.Tag.ToArray(), other.Tag.ToArray(), random) },
            _ => e with { Tag = other.Tag, KeyId = random.OneIn(2) ? other.KeyId : e.KeyId },
        };
        return EnvelopeCodec.Check(changed).Code == EnvelopeErrorCode.None ? EnvelopeCodec.Encode(changed) : null;
    }

    private static readonly EnvelopeKind[] Kinds = Enum.GetValues<EnvelopeKind>();
    private static readonly string[] ExtraSegments = ["k=1", "k=2", "k=0", "k=01", "s=", "n=", "n=0000000000000000", "s=00000000.1", "x=y"];
    private static readonly int[] NoiseLengths = [1, 16, 32, 64, 65];

    private static ulong Nudge(ulong value, ulong other, FuzzRandom random) => random.Next(8) switch
    {
        0 => value + 1,
        1 => value - 1,
        2 => value + (ulong)random.Next(2, 70),
        3 => value + 31_000,
        4 => value - 31_000,
        5 => 0,
        6 => random.OneIn(2) ? ulong.MaxValue : long.MaxValue,
        _ => other,
    };

    private static string MutateKeyId(string keyId, string other, FuzzRandom random)
    {
        var segments = keyId.Length == 0 ? new List<string>() : [.. keyId.Split('+')];
        switch (random.Next(8))
        {
            case 0:
                return other;
            case 1 when segments.Count > 0:
                segments.RemoveAt(random.Next(segments.Count));
                break;
            case 2 when segments.Count > 0:
                segments.Insert(random.Next(segments.Count + 1), random.Pick(segments));
                break;
            case 3 when segments.Count > 1:
                segments.Reverse();
                break;
            case 4:
                return random.OneIn(2) ? keyId.ToUpperInvariant() : keyId.ToLowerInvariant();
            case 5:
                segments.Add(random.Pick(ExtraSegments));
                break;
            case 6 when keyId.Length > 0:
                var chars = keyId.ToCharArray();
                var at = random.Next(chars.Length);
                chars[at] = "0123456789abcdefABCDEF.=+:/-"[random.Next(28)];
                return new string(chars);
            default:
                if (other.Length > 0)
                {
                    segments.Add(random.Pick(other.Split('+')));
                }

                break;
        }

        return string.Join('+', segments);
    }

    private static byte[] MutateBytes(byte[] bytes, byte[] other, FuzzRandom random)
    {
        switch (random.Next(6))
        {
            case 0:
                return other;
            case 1:
                return [];
            case 2 when bytes.Length > 0:
                return bytes[..random.Next(bytes.Length)];
            case 3:
                var grown = new byte[bytes.Length + random.Next(1, 17)];
                bytes.CopyTo(grown, 0);
                random.Fill(grown.AsSpan(bytes.Length));
                return grown;
            default:
                if (bytes.Length == 0)
                {
                    return [(byte)random.NextUInt64()];
                }

                var copy = bytes.ToArray();
                copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return copy;
        }
    }

    private static byte[] MutateTag(byte[] tag, byte[] other, FuzzRandom random)
    {
        if (tag.Length == 64 && random.OneIn(4))
        {
            return OtherEcdsaForm(tag);
        }

        if (random.OneIn(5))
        {
            var noise = new byte[random.Pick(NoiseLengths)];
            random.Fill(noise);
            return noise;
        }

        return MutateBytes(tag, other, random);
    }

    /// <summary>
    /// The other valid encoding of an ECDSA signature r ‖ s: r ‖ (n − s). It verifies for the same message and key, so a
    /// verifier that accepts both lets anyone re-encode a signed frame.
    /// </summary>
    public static byte[] OtherEcdsaForm(byte[] signature)
    {
        var s = new BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var flipped = (P256Order - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = signature.ToArray();
        Array.Clear(result, 32, 32);
        flipped.AsSpan().CopyTo(result.AsSpan(64 - flipped.Length));
        return result;
    }
}
