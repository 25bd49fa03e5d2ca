using System.Text;
using Testbed.Fuzz.Engine;

namespace Testbed.Fuzz.Targets;

/// <summary>
/// Common part of the YAML targets: a corpus of texts mutated by <see cref="TextMutator"/>, inputs that load joining the
/// corpus, and the check that an error's line:column lies in the text.
/// </summary>
public abstract class YamlTarget : IFuzzTarget
{
    private const int MaxCorpus = 256;
    private readonly GrowingCorpus _corpus;

    /// <summary>A target whose seeds are <paramref name="seeds"/>.</summary>
    protected YamlTarget(IReadOnlyList<string> seeds)
    {
        if (seeds.Count == 0)
        {
            throw new InvalidOperationException($"{GetType().Name}: no seed texts found");
        }

        _corpus = new GrowingCorpus(seeds.Select(Encoding.UTF8.GetBytes), MaxCorpus);
        Mutator = new TextMutator(seeds);
    }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract string Checks { get; }

    /// <inheritdoc />
    public bool Stateless => true;

    /// <inheritdoc />
    public IReadOnlyList<byte[]> Corpus => _corpus.Items;

    /// <inheritdoc />
    public IMutator Mutator { get; }

    /// <inheritdoc />
    public void BeforeInput(long index)
    {
    }

    /// <inheritdoc />
    public void Keep(byte[] input) => _corpus.Keep(input);

    /// <inheritdoc />
    public Verdict Run(int seedIndex, byte[] input) => Run(Encoding.UTF8.GetString(input));

    /// <summary>Loads <paramref name="text"/>; throws only what the loader threw unexpectedly.</summary>
    protected abstract Verdict Run(string text);

    /// <inheritdoc />
    public void Dispose() => GC.SuppressFinalize(this);

    /// <summary>
    /// A violation when an error's position is missing or outside the text: the line must be one of the text's lines
    /// and the column at most one past the line's end; the end of the input (one line past the last, column 1, where
    /// YamlDotNet reports errors at the end of the stream) counts as inside. Line breaks are counted as YAML counts them
    /// (\n, \r\n, \r, U+0085, U+2028, U+2029).
    /// </summary>
    protected Verdict CheckPositions(string text, IEnumerable<(int Line, int Column, string Message)> errors)
    {
        var lengths = LineLengths(text);
        foreach (var (line, column, message) in errors)
        {
            var inside = line >= 1 && column >= 1 && (line <= lengths.Count ? column <= lengths[line - 1] + 1 : line == lengths.Count + 1 && column == 1);
            if (!inside)
            {
                var length = line >= 1 && line <= lengths.Count ? $", line {line} has {lengths[line - 1]} characters" : "";
                return new Verdict(false, FindingKind.Violation, $"{Name}/error-position-outside-text:{Category(message)}", $"{line}:{column} in a text of {lengths.Count} lines{length}: {message}");
            }
        }

        return Verdict.Rejected;
    }

    /// <summary>The fixed start of an error message (up to its first ':' or '('), naming the kind of error.</summary>
    private static string Category(string message)
    {
        var end = message.IndexOfAny([':', '(']);
        return (end > 0 ? message[..end] : message).Trim();
    }

    private static List<int> LineLengths(string text)
    {
        var lengths = new List<int>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\n' or '\u0085' or '\u2028' or '\u2029' || c == '\r')
            {
                lengths.Add(i - start);
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                start = i + 1;
            }
        }

        lengths.Add(text.Length - start);
        return lengths;
    }

    /// <summary>The shipped scenario folder: ./scenarios, or the first "scenarios" folder above the program's own folder.</summary>
    protected static string? FindScenarios()
    {
        if (Directory.Exists("scenarios"))
        {
            return Path.GetFullPath("scenarios");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "scenarios");
            if (Directory.Exists(candidate) && Directory.EnumerateFiles(candidate, "*.yaml", SearchOption.AllDirectories).Any())
            {
                return candidate;
            }
        }

        return null;
    }
}
