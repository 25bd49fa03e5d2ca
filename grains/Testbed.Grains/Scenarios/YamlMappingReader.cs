using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Testbed.Scenarios;

/// <summary>
/// Reads the keys of one YAML mapping: rejects non-string and unknown keys on construction, then hands out
/// typed values by key. A key whose value is YAML null counts as absent. <see cref="Path"/> ("" for the top level,
/// "workload", "faults[0]") prefixes every message.
/// </summary>
internal sealed class YamlMappingReader
{
    private readonly Dictionary<string, KeyValuePair<YamlScalarNode, YamlNode>> entries = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<YamlScalarNode, YamlNode>> ordered = [];

    /// <summary>Checks the keys of <paramref name="node"/>; <paramref name="allowedKeys"/> null allows any key.</summary>
    public YamlMappingReader(ScenarioErrorSink sink, YamlMappingNode node, string path, IReadOnlyList<string>? allowedKeys)
    {
        Sink = sink;
        Node = node;
        Path = path;
        foreach (var (keyNode, value) in node.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } scalarKey || YamlScalars.IsNull(keyNode))
            {
                sink.Add(keyNode, $"{Prefix}keys must be strings, found {YamlScalars.Describe(keyNode)}");
                continue;
            }

            if (allowedKeys is not null && !allowedKeys.Contains(key, StringComparer.Ordinal))
            {
                var where = path.Length == 0 ? "at the top level" : $"in {path}";
                sink.Add(scalarKey, $"unknown key '{key}' {where}; allowed keys: {string.Join(", ", allowedKeys)}");
                continue;
            }

            var entry = KeyValuePair.Create(scalarKey, value);
            entries[key] = entry;
            ordered.Add(entry);
        }
    }

    public ScenarioErrorSink Sink { get; }

    public YamlMappingNode Node { get; }

    public string Path { get; }

    /// <summary>The accepted entries in file order.</summary>
    public IReadOnlyList<KeyValuePair<YamlScalarNode, YamlNode>> Entries => ordered;

    /// <summary>The dotted name of a key, for messages: <c>workload.accounts</c>.</summary>
    public string Name(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>True when the key is present with a non-null value.</summary>
    public bool IsGiven(string key) => Value(key) is not null;

    /// <summary>The key's value, or null when the key is absent or its value is YAML null.</summary>
    public YamlNode? Value(string key) =>
        entries.TryGetValue(key, out var entry) && !YamlScalars.IsNull(entry.Value) ? entry.Value : null;

    /// <summary>Where the key is written; the mapping's own position when it is absent.</summary>
    public Mark KeyMark(string key) => entries.TryGetValue(key, out var entry) ? entry.Key.Start : Node.Start;

    /// <summary>The value of a key that must be given; records an error and returns null when it is not.</summary>
    public YamlNode? Required(string key)
    {
        if (!entries.TryGetValue(key, out var entry))
        {
            Sink.Add(Node, $"{Prefix}missing required key '{key}'");
            return null;
        }

        if (YamlScalars.IsNull(entry.Value))
        {
            Sink.Add(entry.Value, $"{Name(key)}: a value is required");
            return null;
        }

        return entry.Value;
    }

    public long? Integer(string key, long min, long max, string? rangeNote = null) =>
        Value(key) is { } node ? YamlScalars.Integer(Sink, node, Name(key), min, max, rangeNote) : null;

    public double? Number(string key, double min, double max, bool minExclusive = false) =>
        Value(key) is { } node ? YamlScalars.Number(Sink, node, Name(key), min, max, minExclusive) : null;

    public bool? Boolean(string key) =>
        Value(key) is { } node ? YamlScalars.Boolean(Sink, node, Name(key)) : null;

    public string? Text(string key) =>
        Value(key) is { } node ? YamlScalars.Text(Sink, node, Name(key)) : null;

    public TimeSpan? Duration(string key, TimeSpan min, TimeSpan max) =>
        Value(key) is { } node ? YamlScalars.Duration(Sink, node, Name(key), min, max) : null;

    public YamlMappingNode? Mapping(string key) =>
        Value(key) is { } node ? YamlScalars.Mapping(Sink, node, Name(key)) : null;

    public YamlSequenceNode? Sequence(string key) =>
        Value(key) is { } node ? YamlScalars.Sequence(Sink, node, Name(key)) : null;

    /// <summary>True when the key was given but its value was rejected (so dependent checks should be skipped).</summary>
    public bool IsInvalid<T>(string key, T? value)
        where T : struct => IsGiven(key) && value is null;

    private string Prefix => Path.Length == 0 ? "" : $"{Path}: ";
}
