using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Testbed.Scenarios;

/// <summary>Reads <c>expect.attacks</c>: per attack kind, conditions on its verdict counts.</summary>
internal static partial class ExpectationReader
{
    /// <summary>The counts an expectation may name.</summary>
    public static readonly string[] Measures = ["attempts", "succeeded", "detected", "blocked", "absorbed"];

    public static IReadOnlyList<string> NotAList(YamlMappingReader r, string key)
    {
        if (r.Value(key) is { } node && !YamlScalars.IsNull(node))
        {
            r.Sink.Add(node, $"{r.Name(key)}: expected a list of invariant names, found {YamlScalars.Describe(node)}");
        }

        return [];
    }

    public static IReadOnlyList<AttackExpectation> ReadAttacks(YamlMappingReader r, ScenarioCatalog catalog)
    {
        var result = new List<AttackExpectation>();
        switch (r.Value("attacks"))
        {
            case null:
                return result;
            case YamlMappingNode byKind:
                foreach (var (kindNode, value) in byKind.Children)
                {
                    var kind = ((YamlScalarNode)kindNode).Value ?? "";
                    var path = $"{r.Name("attacks")}.{kind}";
                    if (!catalog.IsAttackKind(kind))
                    {
                        r.Sink.Add(kindNode, $"{path}: unknown attack kind '{kind}'; {ScenarioReader.Known("attack kind", catalog.AttackKinds)}");
                        continue;
                    }

                    if (value is not YamlMappingNode conditions)
                    {
                        r.Sink.Add(value, $"{path}: expected a mapping of verdict counts ({string.Join(", ", Measures)}) to conditions such as \"0\" or \">0\"");
                        continue;
                    }

                    var reader = new YamlMappingReader(r.Sink, conditions, path, Measures);
                    foreach (var (measureNode, condition) in reader.Entries)
                    {
                        if (!Measures.Contains(measureNode.Value, StringComparer.Ordinal))
                        {
                            continue; // reported by the mapping reader
                        }

                        if (Parse(YamlScalars.Text(r.Sink, condition, $"{path}.{measureNode.Value}")) is { } parsed)
                        {
                            result.Add(new AttackExpectation(kind, measureNode.Value!, parsed.Comparison, parsed.Value, (int)condition.Start.Line, (int)condition.Start.Column));
                        }
                        else if (condition is YamlScalarNode { Value: { } text })
                        {
                            r.Sink.Add(condition, $"{path}.{measureNode.Value}: expected a count condition such as 0, 3, >0, >=2, <5 or <=1, found '{text}'");
                        }
                    }
                }

                return result;
            case var other:
                r.Sink.Add(other, $"{r.Name("attacks")}: expected a mapping from attack kind to verdict conditions, found {YamlScalars.Describe(other)}");
                return result;
        }
    }

    private static (CountComparison Comparison, long Value)? Parse(string? text)
    {
        var m = text is null ? null : Condition().Match(text.Trim());
        if (m is not { Success: true } || !long.TryParse(m.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        return (m.Groups["op"].Value switch { ">" => CountComparison.Greater, ">=" => CountComparison.GreaterOrEqual, "<" => CountComparison.Less, "<=" => CountComparison.LessOrEqual, _ => CountComparison.Equal }, n);
    }

    [GeneratedRegex("^(?<op>>=|<=|>|<|=)?(?<n>[0-9]{1,12})$", RegexOptions.CultureInvariant)]
    private static partial Regex Condition();
}
