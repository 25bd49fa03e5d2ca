using System.Text;
using System.Text.RegularExpressions;

namespace Testbed.Fuzz.Engine;

/// <summary>
/// Mutations of YAML text, stacked 1–4 per input: lines deleted, duplicated, swapped, re-indented or spliced in from
/// another seed; a key or a value replaced by one harvested from the corpus or by a boundary value; YAML syntax tokens
/// and odd characters inserted; characters flipped or deleted; truncation. Now and then a byte-level mutation of the
/// UTF-8 text (which may make it invalid UTF-8, read back with replacement characters).
/// </summary>
public sealed partial class TextMutator : IMutator
{
    private static readonly string[] Tokens =
    [
        ": ", "- ", "-", ":", "#", "|", ">", "|-", "---", "...", "? ", "&a ", "*a", "<<: *a", "!!str ", "!!int ", "!!map ",
        "!custom ", "{", "}", "[", "]", ",", "\"", "'", "\\", "\n", "\r\n", "\t", "  ", "%YAML 1.2\n", "%TAG ! x\n",
        "\u00a0", "\ufeff", "\0", "\u2028", "é", "💥", "\\x00", "\\u0000", "${x}", "{{x}}",
    ];

    private static readonly string[] Values =
    [
        "", "~", "null", "true", "false", "yes", "0", "-1", "1", "2147483648", "-2147483649", "9223372036854775808",
        "99999999999999999999999", "1e309", "-0", "0.5", "NaN", ".nan", ".inf", "-.inf", "0x10", "0o7", "1_000", "+5",
        "[]", "{}", "[a, b]", "{a: 1}", "\"\"", "''", "\"\\u0000\"", "'*'", "*", "&a", "*a", "0ms", "1ms", "10ms", "-5s",
        "1h", "1d", "1.5s", "999999h", "10000000000ms", "  x", "a: b", "- x", "|\n  x", "\"a\nb\"", "customer/{n}", "*/*",
        "{n}", "payments/*", "all", "none", "signed", "tls-like", "zero-trust", "paranoid", "x".PadRight(300, 'x'),
    ];

    private readonly string[] _keys;
    private readonly string[] _values;
    private readonly ByteMutator _bytes = new([.. Tokens.Select(Encoding.UTF8.GetBytes)]);

    /// <summary>A mutator whose replacement keys and values include those of <paramref name="corpus"/>.</summary>
    public TextMutator(IEnumerable<string> corpus)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var text in corpus)
        {
            foreach (Match m in KeyValue().Matches(text))
            {
                keys.Add(m.Groups[1].Value);
                if (m.Groups[2].Value.Length > 0)
                {
                    values.Add(m.Groups[2].Value.TrimEnd());
                }
            }
        }

        _keys = [.. keys];
        _values = [.. values, .. Values];
    }

    /// <inheritdoc />
    public byte[] Mutate(byte[] seed, IReadOnlyList<byte[]> corpus, FuzzRandom random)
    {
        if (random.OneIn(10))
        {
            return _bytes.Mutate(seed, corpus, random);
        }

        var lines = Encoding.UTF8.GetString(seed).Split('\n').ToList();
        var count = 1 + (random.OneIn(6) ? random.Next(1, 4) : random.Next(2));
        for (var i = 0; i < count; i++)
        {
            Once(lines, corpus, random);
        }

        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    private void Once(List<string> lines, IReadOnlyList<byte[]> corpus, FuzzRandom random)
    {
        if (lines.Count == 0)
        {
            lines.Add("");
        }

        var i = random.Next(lines.Count);
        var line = lines[i];
        switch (random.Next(12))
        {
            case 0:
                lines.RemoveAt(i);
                break;
            case 1:
                lines.Insert(random.Next(lines.Count + 1), line);
                break;
            case 2:
                var j = random.Next(lines.Count);
                (lines[i], lines[j]) = (lines[j], lines[i]);
                break;
            case 3:
                var indent = random.Next(4);
                lines[i] = indent switch
                {
                    0 => line.TrimStart(),
                    1 => " " + line,
                    2 => line.StartsWith("  ", StringComparison.Ordinal) ? line[2..] : "  " + line,
                    _ => "\t" + line.TrimStart(),
                };
                break;
            case 4 or 5:
                lines[i] = ReplaceValue(line, random);
                break;
            case 6:
                var m = KeyValue().Match(line);
                if (m.Success && _keys.Length > 0)
                {
                    lines[i] = line[..m.Groups[1].Index] + random.Pick(_keys) + line[(m.Groups[1].Index + m.Groups[1].Length)..];
                }

                break;
            case 7:
                var other = Encoding.UTF8.GetString(random.Pick(corpus)).Split('\n');
                if (random.OneIn(2))
                {
                    lines.Insert(i, random.Pick(other));
                }
                else
                {
                    lines.RemoveRange(i, lines.Count - i);
                    lines.AddRange(other.Skip(random.Next(other.Length)));
                }

                break;
            case 8 or 9:
                var at = random.Next(line.Length + 1);
                lines[i] = line[..at] + random.Pick(Tokens) + line[at..];
                break;
            case 10 when line.Length > 0:
                var k = random.Next(line.Length);
                lines[i] = random.OneIn(2)
                    ? line.Remove(k, Math.Min(line.Length - k, random.Next(1, 6)))
                    : line[..k] + (char)random.Next(1, 0x250) + line[(k + 1)..];
                break;
            default:
                lines.RemoveRange(i + 1, lines.Count - i - 1);
                lines[i] = line[..random.Next(line.Length + 1)];
                break;
        }
    }

    private string ReplaceValue(string line, FuzzRandom random)
    {
        var m = KeyValue().Match(line);
        var value = random.Pick(_values);
        if (m.Success)
        {
            return line[..m.Groups[2].Index] + value;
        }

        var dash = line.IndexOf("- ", StringComparison.Ordinal);
        return dash >= 0 ? line[..(dash + 2)] + value : line + value;
    }

    /// <summary>A mapping entry: indentation, an optional "- ", a key, a colon, a value (group 2, possibly empty).</summary>
    [GeneratedRegex(@"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*:\s?(.*)$", RegexOptions.Multiline)]
    private static partial Regex KeyValue();
}
