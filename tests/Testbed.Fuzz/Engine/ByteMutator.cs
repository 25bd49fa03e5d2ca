using System.Buffers.Binary;

namespace Testbed.Fuzz.Engine;

/// <summary>A big-endian integer field of a binary seed (a length, a kind, a counter): where it is and how wide.</summary>
public readonly record struct Field(int Offset, int Width);

/// <summary>
/// Binary mutations, stacked 1–5 per input: bit flips, interesting bytes, arithmetic, byte insert and delete, chunk
/// duplication, edits of the seed's integer fields (lengths above all), splices and overwrites from other seeds,
/// dictionary tokens, truncation and extension. A target may add a structure-aware mutation (decode, change one field,
/// encode), used for <see cref="StructuredShare"/> of the inputs.
/// </summary>
public sealed class ByteMutator(
    IReadOnlyList<byte[]> dictionary,
    Func<byte[], IReadOnlyList<Field>>? fields = null,
    Func<byte[], IReadOnlyList<byte[]>, FuzzRandom, byte[]?>? structured = null) : IMutator
{
    private static readonly int[] Widths = [1, 2, 4];
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x02, 0x7F, 0x80, 0xFE, 0xFF, 0x40, 0x41, 0x20];

    /// <summary>Share of inputs (1 in N) made by the structure-aware mutation, when there is one.</summary>
    public int StructuredShare { get; init; } = 3;

    /// <inheritdoc />
    public byte[] Mutate(byte[] seed, IReadOnlyList<byte[]> corpus, FuzzRandom random)
    {
        if (structured is not null && random.OneIn(StructuredShare) && structured(seed, corpus, random) is { } changed)
        {
            return random.OneIn(4) ? Stack(changed, corpus, random, 1) : changed;
        }

        return Stack(seed, corpus, random, 1 + (random.OneIn(8) ? random.Next(2, 5) : random.Next(2)));
    }

    private byte[] Stack(byte[] seed, IReadOnlyList<byte[]> corpus, FuzzRandom random, int count)
    {
        var map = fields?.Invoke(seed) ?? [];
        var data = new List<byte>(seed.Length + 16);
        data.AddRange(seed);
        for (var i = 0; i < count; i++)
        {
            Once(data, map, corpus, random);
        }

        return [.. data];
    }

    private void Once(List<byte> data, IReadOnlyList<Field> map, IReadOnlyList<byte[]> corpus, FuzzRandom random)
    {
        var n = data.Count;
        switch (random.Next(13))
        {
            case 0 when n > 0:
                data[random.Next(n)] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when n > 0:
                data[random.Next(n)] = random.OneIn(3) ? (byte)random.NextUInt64() : random.Pick(InterestingBytes);
                break;
            case 2 when n > 0:
                var at = random.Next(n);
                data[at] = (byte)(data[at] + (random.OneIn(2) ? 1 : -1) * random.Next(1, 36));
                break;
            case 3:
                var insert = new byte[random.Next(1, 9)];
                if (random.OneIn(2))
                {
                    random.Fill(insert);
                }
                else
                {
                    Array.Fill(insert, random.Pick(InterestingBytes));
                }

                data.InsertRange(random.Next(n + 1), insert);
                break;
            case 4 when n > 0:
                var from = random.Next(n);
                data.RemoveRange(from, Math.Min(n - from, random.Next(1, 17)));
                break;
            case 5 when n > 0:
                var start = random.Next(n);
                var chunk = data.GetRange(start, Math.Min(n - start, random.Next(1, 33)));
                data.InsertRange(random.Next(n + 1), chunk);
                break;
            case 6 or 7:
                EditField(data, map, random);
                break;
            case 8:
                var other = random.Pick(corpus);
                var cut = random.Next(n + 1);
                var tail = random.Next(other.Length + 1);
                data.RemoveRange(cut, n - cut);
                data.AddRange(other.AsSpan(tail).ToArray());
                break;
            case 9 when n > 0:
                var source = random.Pick(corpus);
                if (source.Length > 0)
                {
                    var offset = random.Next(source.Length);
                    var length = Math.Min(source.Length - offset, random.Next(1, 33));
                    var to = random.Next(n);
                    for (var k = 0; k < length && to + k < n; k++)
                    {
                        data[to + k] = source[offset + k];
                    }
                }

                break;
            case 10 when dictionary.Count > 0:
                var token = random.Pick(dictionary);
                var position = random.Next(n + 1);
                if (random.OneIn(2) || position + token.Length > n)
                {
                    data.InsertRange(position, token);
                }
                else
                {
                    for (var k = 0; k < token.Length; k++)
                    {
                        data[position + k] = token[k];
                    }
                }

                break;
            case 11 when n > 0:
                var keep = random.Next(n);
                data.RemoveRange(keep, n - keep);
                break;
            default:
                var extra = new byte[random.Next(1, 17)];
                random.Fill(extra);
                data.AddRange(extra);
                break;
        }
    }

    /// <summary>Sets an integer field (from the seed's map, or a random 1-, 2- or 4-byte one) to an off-by-some or boundary value.</summary>
    private static void EditField(List<byte> data, IReadOnlyList<Field> map, FuzzRandom random)
    {
        var field = map.Count > 0 && !random.OneIn(5) ? random.Pick(map) : new Field(random.Next(data.Count), random.Pick(Widths));
        if (field.Width is not (1 or 2 or 4 or 8) || field.Offset < 0 || field.Offset + field.Width > data.Count)
        {
            return;
        }

        Span<byte> bytes = stackalloc byte[8];
        for (var k = 0; k < field.Width; k++)
        {
            bytes[8 - field.Width + k] = data[field.Offset + k];
        }

        var value = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var max = field.Width == 8 ? ulong.MaxValue : (1UL << (8 * field.Width)) - 1;
        value = random.Next(7) switch
        {
            0 => value + 1,
            1 => value - 1,
            2 => value + (ulong)random.Next(2, 64),
            3 => value - (ulong)random.Next(2, 64),
            4 => 0,
            5 => max,
            _ => random.OneIn(2) ? (ulong)(data.Count - field.Offset) : max / 2 + 1,
        };
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value & max);
        for (var k = 0; k < field.Width; k++)
        {
            data[field.Offset + k] = bytes[8 - field.Width + k];
        }
    }
}
