using System.Text;

namespace Testbed.Fuzz.Engine;

/// <summary>Counts one target's findings by cause and saves the first inputs of each (minimized when the target is stateless).</summary>
internal sealed class FindingLog
{
    private readonly IFuzzTarget _target;
    private readonly FuzzOptions _options;
    private readonly string? _folder;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<FindingKind, int> _fileNumbers = [];
    private readonly Dictionary<FindingKind, long> _counts = [];
    private readonly Lock _lock = new();
    private long _known;
    private int _saved;

    public FindingLog(IFuzzTarget target, FuzzOptions options)
    {
        _target = target;
        _options = options;
        if (options.OutputDirectory is { } root)
        {
            _folder = Path.Combine(root, target.Name);
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }
    }

    public void Crash(long index, int seedIndex, byte[] input, Exception e) =>
        Record(index, seedIndex, input, FindingKind.Crash, FuzzRunner.CrashKey(e), e.ToString());

    public void Finding(long index, int seedIndex, byte[] input, FindingKind kind, string key, string detail) =>
        Record(index, seedIndex, input, kind, key, detail);

    public TargetResult Result(long inputs, long accepted, TimeSpan elapsed) => new()
    {
        Target = _target.Name,
        Checks = _target.Checks,
        Inputs = inputs,
        Accepted = accepted,
        Crashes = _counts.GetValueOrDefault(FindingKind.Crash),
        Violations = _counts.GetValueOrDefault(FindingKind.Violation),
        Known = _known,
        Malleable = _counts.GetValueOrDefault(FindingKind.Malleable),
        Slow = _counts.GetValueOrDefault(FindingKind.Slow),
        Seconds = elapsed.TotalSeconds,
        Findings = _entries.Values.OrderBy(e => e.Kind).ThenBy(e => e.FirstInput)
            .Select(e => new FindingSummary(e.Kind, e.Key, KnownFindings.IsKnown(e.Key), e.Count, e.FirstInput, e.Detail, e.Files)).ToArray(),
    };

    private void Record(long index, int seedIndex, byte[] input, FindingKind kind, string key, string detail)
    {
        lock (_lock)
        {
            RecordLocked(index, seedIndex, input, kind, key, detail);
        }
    }

    private void RecordLocked(long index, int seedIndex, byte[] input, FindingKind kind, string key, string detail)
    {
        _counts[kind] = _counts.GetValueOrDefault(kind) + 1;
        if (kind is FindingKind.Crash or FindingKind.Violation && KnownFindings.IsKnown(key))
        {
            _known++;
        }

        var entryKey = $"{kind}|{key}";
        if (!_entries.TryGetValue(entryKey, out var entry))
        {
            entry = new Entry(kind, key, index, detail);
            _entries[entryKey] = entry;
        }

        entry.Count++;
        if (_folder is null || entry.Files.Count >= _options.SavedPerKey * 2 || _saved >= _options.MaxSaved)
        {
            return;
        }

        _saved++;
        var number = _fileNumbers[kind] = _fileNumbers.GetValueOrDefault(kind) + 1;
        var stem = Path.Combine(_folder, $"{kind.ToString().ToLowerInvariant()}-{number}");
        Directory.CreateDirectory(_folder);
        File.WriteAllBytes(stem + ".bin", input);
        var text = new StringBuilder()
            .AppendLine($"target: {_target.Name}")
            .AppendLine($"seed: {_options.Seed}")
            .AppendLine($"input: #{index} (made from corpus seed #{seedIndex}), {input.Length} bytes")
            .AppendLine($"finding: {kind}: {key}");
        if (KnownFindings.Explain(key) is { } why)
        {
            text.AppendLine($"known: {why}");
        }

        if (_target.Describe(seedIndex, input) is { } origin)
        {
            text.AppendLine(origin);
        }

        if (_target.Stateless && entry.Files.Count == 0 && kind != FindingKind.Slow)
        {
            var minimal = Minimizer.Minimize(input, candidate => Reproduces(candidate, kind, key));
            File.WriteAllBytes(stem + ".min.bin", minimal);
            entry.Files.Add(stem + ".min.bin");
            text.AppendLine($"minimized: {minimal.Length} bytes, {stem}.min.bin: {Convert.ToHexString(minimal)}");
            text.AppendLine($"minimized as text: {Printable(minimal)}");
        }

        text.AppendLine().AppendLine(detail);
        File.WriteAllText(stem + ".txt", text.ToString());
        entry.Files.Add(stem + ".bin");
    }

    private bool Reproduces(byte[] candidate, FindingKind kind, string key)
    {
        try
        {
            var verdict = _target.Run(0, candidate);
            return kind != FindingKind.Crash && verdict.Finding == kind && verdict.Key == key;
        }
        catch (Exception e)
        {
            return kind == FindingKind.Crash && FuzzRunner.CrashKey(e) == key;
        }
    }

    private static string Printable(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c is '\n' ? "\\n" : char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return builder.ToString();
    }

    private sealed class Entry(FindingKind kind, string key, long firstInput, string detail)
    {
        public FindingKind Kind { get; } = kind;
        public string Key { get; } = key;
        public long FirstInput { get; } = firstInput;
        public string Detail { get; } = detail;
        public long Count { get; set; }
        public List<string> Files { get; } = [];
    }
}
