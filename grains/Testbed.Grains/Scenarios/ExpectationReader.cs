using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Testbed.Scenarios;

/// <summary>
/// Reads <c>expect.attacks</c> (per attack kind, conditions on its verdict counts and times and, under <c>details</c>, on
/// the figures it reports), <c>expect.faults</c> (per fault kind, conditions on what it injected) and
/// <c>expect.securityEvents</c> (a condition on the run's total, or a mapping of conditions on the total, a layer's events
/// or one reason's).
/// </summary>
internal static partial class ExpectationReader
{
    /// <summary>
    /// What an attack expectation may name: its verdict counts, its times in milliseconds (the slowest attack of the
    /// kind; an attack never detected or never contained fails any condition on them) and the errors its code raised
    /// (distinct ones; without a condition on them, any error fails the run).
    /// </summary>
    public static readonly string[] Measures = ["attempts", "succeeded", "detected", "blocked", "absorbed", "mttdMs", "containmentMs", "errors"];

    /// <summary>
    /// The key of an attack expectation whose value maps the attack's reported details (result.json <c>details</c>) to
    /// conditions, e.g. <c>details: {recordedBefore: "&gt;0"}</c>; each becomes the measure <see cref="AttackExpectation.DetailPrefix"/> + name.
    /// Which details an attack reports is known only when it ran, so an unknown name fails the run, not the load.
    /// </summary>
    public const string DetailsKey = "details";

    /// <summary>The counts a fault expectation may name (without a condition on them: injected &gt; 0 and no error).</summary>
    public static readonly string[] FaultMeasures = ["injected", "errors"];

    public static IReadOnlyList<string> NotAList(YamlMappingReader r, string key)
    {
        if (r.Value(key) is { } node && !YamlScalars.IsNull(node))
        {
            r.Sink.Add(node, $"{r.Name(key)}: expected a list of invariant names, found {YamlScalars.Describe(node)}");
        }

        return [];
    }

    public static IReadOnlyList<AttackExpectation> ReadAttacks(YamlMappingReader r, ScenarioCatalog catalog) =>
        ReadCounts(r, "attacks", "attack kind", catalog.IsAttackKind, catalog.AttackKinds, [.. Measures, DetailsKey], "verdict counts");

    public static IReadOnlyList<AttackExpectation> ReadFaults(YamlMappingReader r, ScenarioCatalog catalog) =>
        ReadCounts(r, "faults", "fault kind", catalog.IsFaultKind, catalog.FaultKinds, FaultMeasures, "counts");

    /// <summary>A single count condition (e.g. <c>securityEvents: "&gt;0"</c>), as an expectation of kind "*".</summary>
    public static AttackExpectation? ReadCondition(YamlMappingReader r, string key)
    {
        if (r.Value(key) is not { } node)
        {
            return null;
        }

        if (Parse(YamlScalars.Text(r.Sink, node, r.Name(key))) is { } parsed)
        {
            return new AttackExpectation("*", key, parsed.Comparison, parsed.Value, (int)node.Start.Line, (int)node.Start.Column);
        }

        if (node is YamlScalarNode { Value: { } text })
        {
            r.Sink.Add(node, $"{r.Name(key)}: expected a count condition such as 0, 3, >0, >=2, <5 or <=1, found '{text}'");
        }

        return null;
    }

    /// <summary>
    /// <c>expect.securityEvents</c>: a condition on the total (<c>"&gt;0"</c>), or a mapping from <c>total</c>, a layer
    /// (<c>ratelimit</c>) or a layer and reason (<c>ratelimit/source-blocked</c>) to a condition. The total comes back as
    /// kind "*", the others with the layer or layer/reason as kind; measure "securityEvents".
    /// </summary>
    public static (AttackExpectation? Total, IReadOnlyList<AttackExpectation> ByLayer) ReadSecurityEvents(YamlMappingReader r, ScenarioCatalog catalog)
    {
        const string key = "securityEvents";
        if (r.Value(key) is not YamlMappingNode conditions)
        {
            return (ReadCondition(r, key), []);
        }

        var (total, byLayer) = ((AttackExpectation?)null, new List<AttackExpectation>());
        foreach (var (keyNode, condition) in conditions.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } name })
            {
                r.Sink.Add(keyNode, $"{r.Name(key)}: expected total, a layer or layer/reason as keys");
                continue;
            }

            var path = $"{r.Name(key)}.{name}";
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            var layer = slash < 0 ? name : name[..slash];
            if (name != "total" && (!catalog.IsDefense(layer) || (slash >= 0 && !Reason().IsMatch(name[(slash + 1)..]))))
            {
                r.Sink.Add(keyNode, $"{path}: expected total, a defense layer ({string.Join(", ", catalog.Defenses)}) or layer/reason (a reason is a-z, 0-9 and '-')");
                continue;
            }

            if (Parse(YamlScalars.Text(r.Sink, condition, path)) is not { } parsed)
            {
                if (condition is YamlScalarNode { Value: { } text })
                {
                    r.Sink.Add(condition, $"{path}: expected a count condition such as 0, 3, >0, >=2, <5 or <=1, found '{text}'");
                }

                continue;
            }

            var expectation = new AttackExpectation(name == "total" ? "*" : name, key, parsed.Comparison, parsed.Value, (int)condition.Start.Line, (int)condition.Start.Column);
            if (name == "total")
            {
                total = expectation;
            }
            else
            {
                byLayer.Add(expectation);
            }
        }

        return (total, byLayer);
    }

    private static IReadOnlyList<AttackExpectation> ReadCounts(YamlMappingReader r, string section, string what, Func<string, bool> isKnown,
        IReadOnlyList<string> known, string[] measures, string countsName)
    {
        var result = new List<AttackExpectation>();
        switch (r.Value(section))
        {
            case null:
                return result;
            case YamlMappingNode byKind:
                foreach (var (kindNode, value) in byKind.Children)
                {
                    if (kindNode is not YamlScalarNode { Value: { } kind })
                    {
                        r.Sink.Add(kindNode, $"{r.Name(section)}: expected {what} names as keys, not a {(kindNode is YamlMappingNode ? "mapping" : kindNode is YamlSequenceNode ? "list" : "null")}");
                        continue;
                    }

                    var path = $"{r.Name(section)}.{kind}";
                    if (!isKnown(kind))
                    {
                        r.Sink.Add(kindNode, $"{path}: unknown {what} '{kind}'; {ScenarioReader.Known(what, known)}");
                        continue;
                    }

                    if (value is not YamlMappingNode conditions)
                    {
                        r.Sink.Add(value, $"{path}: expected a mapping of {countsName} ({string.Join(", ", measures)}) to conditions such as \"0\" or \">0\"");
                        continue;
                    }

                    var reader = new YamlMappingReader(r.Sink, conditions, path, measures);
                    foreach (var (measureNode, condition) in reader.Entries)
                    {
                        if (measureNode.Value == DetailsKey)
                        {
                            ReadDetails(r.Sink, kind, $"{path}.{DetailsKey}", condition, result);
                        }
                        else if (measures.Contains(measureNode.Value, StringComparer.Ordinal)) // others: reported by the mapping reader
                        {
                            AddCondition(r.Sink, kind, measureNode.Value!, $"{path}.{measureNode.Value}", condition, result);
                        }
                    }
                }

                return result;
            case var other:
                r.Sink.Add(other, $"{r.Name(section)}: expected a mapping from {what} to conditions, found {YamlScalars.Describe(other)}");
                return result;
        }
    }

    /// <summary><c>details:</c> of one attack kind: a mapping from detail names (letters and digits, a letter first) to conditions.</summary>
    private static void ReadDetails(ScenarioErrorSink sink, string kind, string path, YamlNode node, List<AttackExpectation> result)
    {
        if (node is not YamlMappingNode details)
        {
            sink.Add(node, $"{path}: expected a mapping of reported details (e.g. recordedBefore) to conditions such as \"0\" or \">0\", found {YamlScalars.Describe(node)}");
            return;
        }

        var reader = new YamlMappingReader(sink, details, path, allowedKeys: null);
        foreach (var (nameNode, condition) in reader.Entries)
        {
            if (DetailName().IsMatch(nameNode.Value!))
            {
                AddCondition(sink, kind, AttackExpectation.DetailPrefix + nameNode.Value, $"{path}.{nameNode.Value}", condition, result);
            }
            else
            {
                sink.Add(nameNode, $"{path}: '{nameNode.Value}' is not a detail name (letters and digits, a letter first, e.g. recordedBefore)");
            }
        }
    }

    private static void AddCondition(ScenarioErrorSink sink, string kind, string measure, string path, YamlNode condition, List<AttackExpectation> result)
    {
        if (Parse(YamlScalars.Text(sink, condition, path)) is { } parsed)
        {
            result.Add(new AttackExpectation(kind, measure, parsed.Comparison, parsed.Value, (int)condition.Start.Line, (int)condition.Start.Column));
        }
        else if (condition is YamlScalarNode { Value: { } text })
        {
            sink.Add(condition, $"{path}: expected a count condition such as 0, 3, >0, >=2, <5 or <=1, found '{text}'");
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

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex DetailName();

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Reason();
}
