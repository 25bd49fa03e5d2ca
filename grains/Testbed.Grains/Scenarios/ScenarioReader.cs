using System.Text.RegularExpressions;
using Testbed.Storage;
using YamlDotNet.RepresentationModel;

namespace Testbed.Scenarios;

/// <summary>Builds a <see cref="Scenario"/> from a root mapping, recording every problem in the sink.</summary>
internal static partial class ScenarioReader
{
    public const int MaxSilos = ClusterSpec.MaxSilos;

    private static readonly string[] RootKeys =
        ["name", "description", "seed", "cluster", "workload", "defenses", "faults", "attacks", "expect"];

    private static readonly string[] ExpectKeys = ["invariants", "violated", "minGoodput", "maxP99Ms", "minP50Ms", "maxSecurityEvents", "securityEvents", "attacks", "faults"];
    private static readonly string[] ActionKeys = ["kind", "script", "start", "stop"];

    /// <summary>The scenario, or null when any error was recorded.</summary>
    public static Scenario? Read(ScenarioErrorSink sink, YamlMappingNode root, ScenarioCatalog catalog)
    {
        var before = sink.Count;
        var r = new YamlMappingReader(sink, root, "", RootKeys);

        var name = r.Required("name") is { } nameNode ? YamlScalars.Text(sink, nameNode, "name") : null;
        if (name is not null && !NamePattern().IsMatch(name))
        {
            sink.Add(r.Value("name")!, $"name: must be 1 to 64 characters of a-z, 0-9 and '-', found {YamlScalars.Quote(name)}");
        }

        var seed = r.Required("seed") is { } seedNode ? YamlScalars.Integer(sink, seedNode, "seed", 0, int.MaxValue) : null;
        var cluster = ClusterReader.Read(sink, r.Mapping("cluster"));
        var faults = ReadActions(sink, r.Sequence("faults"), "faults", ScriptRole.Fault, catalog.FaultKinds, catalog,
            catalog.CheckFault is { } checkFault ? f => checkFault(f, cluster.Silos) : null);
        var attacks = ReadActions(sink, r.Sequence("attacks"), "attacks", ScriptRole.Attack, catalog.AttackKinds, catalog, catalog.CheckAttack);
        // Expectations may name the kinds this scenario's scripts declare.
        var expectCatalog = catalog.WithKinds(Scripted(attacks), Scripted(faults), sink.ScriptFailed);
        var scenario = new Scenario
        {
            Name = name ?? "",
            Description = r.Text("description"),
            Seed = (int)(seed ?? 0),
            Cluster = cluster,
            Workload = WorkloadReader.Read(sink, r.Mapping("workload")),
            DefenseSpecs = DefenseListReader.Read(sink, r.Sequence("defenses"), catalog),
            Faults = faults,
            Attacks = attacks,
            Expect = ReadExpect(sink, r.Mapping("expect"), expectCatalog),
            SourcePath = sink.File,
        };

        return sink.Count == before ? scenario with { Defenses = scenario.DefenseSpecs.Select(d => d.Name).ToArray() } : null;
    }

    /// <summary>Reads a list of names that must each be in <paramref name="known"/> and appear once.</summary>
    private static IReadOnlyList<string> ReadNames(
        ScenarioErrorSink sink, YamlSequenceNode? node, string path, string what, IReadOnlyList<string> known)
    {
        var names = new List<string>();
        if (node is null)
        {
            return names.AsReadOnly();
        }

        var index = 0;
        foreach (var item in node.Children)
        {
            var itemName = $"{path}[{index++}]";
            if (YamlScalars.Text(sink, item, itemName) is not { } name)
            {
                continue;
            }

            if (!known.Contains(name, StringComparer.Ordinal))
            {
                sink.Add(item, $"{itemName}: unknown {what} {YamlScalars.Quote(name)}; {Known(what, known)}");
            }
            else if (names.Contains(name, StringComparer.Ordinal))
            {
                sink.Add(item, $"{itemName}: {what} '{name}' is listed twice");
            }
            else
            {
                names.Add(name);
            }
        }

        return names.AsReadOnly();
    }

    private static string[] Scripted(IReadOnlyList<ActionSpec> actions) =>
        actions.Where(a => a.Script is not null).Select(a => a.Kind).Distinct(StringComparer.Ordinal).ToArray();

    private static IReadOnlyList<ActionSpec> ReadActions(
        ScenarioErrorSink sink, YamlSequenceNode? node, string path, ScriptRole role, IReadOnlyList<string> knownKinds,
        ScenarioCatalog catalog, Func<ActionSpec, string?>? check)
    {
        var what = role == ScriptRole.Attack ? "attack kind" : "fault kind";
        var actions = new List<ActionSpec>();
        if (node is null)
        {
            return actions.AsReadOnly();
        }

        var index = 0;
        foreach (var item in node.Children)
        {
            var itemPath = $"{path}[{index++}]";
            if (item is not YamlMappingNode mapping)
            {
                sink.Add(item, $"{itemPath}: expected a mapping with 'kind' (or 'script'), 'start' and 'stop', found {YamlScalars.Describe(item)}");
                continue;
            }

            if (ReadAction(sink, mapping, itemPath, what, knownKinds, catalog, role) is { } action)
            {
                if (action.Script is { } script && actions.FirstOrDefault(a => a.Kind == action.Kind && a.Script is { } other && other.Hash != script.Hash) is { } clash)
                {
                    sink.Add(mapping, $"{itemPath}: kind '{action.Kind}' is declared by two different scripts, {clash.Script!.Path} and {script.Path}; results are matched by kind");
                }
                else if (check?.Invoke(action) is { } problem)
                {
                    sink.Add(OptionNamedIn(mapping, problem), $"{itemPath} ({action.Kind}): {problem}");
                }
                else
                {
                    actions.Add(action);
                }
            }
        }

        return actions.AsReadOnly();
    }

    /// <summary>The key of the option a kind's complaint names (<c>option 'count' must be …</c>), else the entry itself.</summary>
    private static YamlNode OptionNamedIn(YamlMappingNode entry, string problem) =>
        entry.Children.Keys.OfType<YamlScalarNode>().FirstOrDefault(k => k.Value is { } key && !ActionKeys.Contains(key, StringComparer.Ordinal)
            && problem.Contains($"'{key}'", StringComparison.Ordinal)) ?? (YamlNode)entry;

    private static ActionSpec? ReadAction(
        ScenarioErrorSink sink, YamlMappingNode node, string path, string what, IReadOnlyList<string> knownKinds, ScenarioCatalog catalog, ScriptRole role)
    {
        var before = sink.Count;
        var r = new YamlMappingReader(sink, node, path, allowedKeys: null);

        var scriptNode = r.Value("script");
        var kindNode = scriptNode is null ? r.Required("kind") : r.Value("kind");
        var kind = kindNode is null ? null : YamlScalars.Text(sink, kindNode, r.Name("kind"));
        ScriptSource? script = null;
        if (scriptNode is not null && ScriptEntryReader.Read(r, catalog, role, scriptNode) is { } loaded)
        {
            script = loaded.Script;
            if (knownKinds.Contains(loaded.Kind, StringComparer.Ordinal))
            {
                sink.Add(scriptNode, $"{r.Name("script")}: the script declares kind '{loaded.Kind}', which is a built-in {what}; give the script's class a kind of its own");
            }
            else if (kind is not null && kind != loaded.Kind)
            {
                sink.Add(kindNode!, $"{r.Name("kind")}: '{kind}' does not match the kind the script declares, '{loaded.Kind}'");
            }

            kind = loaded.Kind;
        }
        else if (scriptNode is null && kind is not null && !knownKinds.Contains(kind, StringComparer.Ordinal))
        {
            sink.Add(kindNode!, $"{r.Name("kind")}: unknown {what} {YamlScalars.Quote(kind)}; {Known(what, knownKinds)}");
        }

        var start = ReadOffset(r, "start");
        var stop = ReadOffset(r, "stop");
        if (start is not null && stop is not null && stop <= start)
        {
            sink.Add(r.Value("stop")!, $"{r.Name("stop")}: must be after start ({ScenarioDuration.Format(start.Value)}), found {ScenarioDuration.Format(stop.Value)}");
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in r.Entries)
        {
            if (ActionKeys.Contains(key.Value, StringComparer.Ordinal))
            {
                continue;
            }

            if (OptionText(value) is { } text)
            {
                options[key.Value!] = text;
            }
            else
            {
                sink.Add(value, $"{r.Name(key.Value!)}: option values must be scalars, lists of scalars, or lists of such lists, found {YamlScalars.Describe(value)}");
            }
        }

        if (sink.Count != before)
        {
            return null;
        }

        return new ActionSpec
        {
            Kind = kind!,
            Script = script,
            Start = start!.Value,
            Stop = stop!.Value,
            Options = options.AsReadOnly(),
            Line = (int)node.Start.Line,
            Column = (int)node.Start.Column,
        };
    }

    /// <summary>
    /// An option's text: a scalar as written; a list of scalars joined with ", "; a list of lists (e.g. a partition's
    /// sides) with the inner lists joined by ", " and the outer by " | ". Null for any other shape.
    /// </summary>
    private static string? OptionText(YamlNode value)
    {
        static string? Flat(YamlNode node) => node switch
        {
            YamlScalarNode scalar => YamlScalars.IsNull(scalar) ? "" : scalar.Value ?? "",
            YamlSequenceNode list when list.Children.All(c => c is YamlScalarNode) => string.Join(", ", list.Children.Select(c => ((YamlScalarNode)c).Value)),
            _ => null,
        };

        if (value is YamlSequenceNode outer && outer.Children.Count > 0 && outer.Children.All(c => c is YamlSequenceNode))
        {
            var groups = outer.Children.Select(Flat).ToArray();
            return groups.Any(g => g is null) ? null : string.Join(" | ", groups);
        }

        return Flat(value);
    }

    private static TimeSpan? ReadOffset(YamlMappingReader r, string key) =>
        r.Required(key) is { } node ? YamlScalars.Duration(r.Sink, node, r.Name(key), TimeSpan.Zero, TimeSpan.MaxValue) : null;

    private static ExpectSpec ReadExpect(ScenarioErrorSink sink, YamlMappingNode? node, ScenarioCatalog catalog)
    {
        if (node is null)
        {
            return new ExpectSpec { Invariants = catalog.Invariants };
        }

        var r = new YamlMappingReader(sink, node, "expect", ExpectKeys);
        var violated = r.Value("violated") is YamlSequenceNode list
            ? ReadNames(sink, list, r.Name("violated"), "invariant", catalog.Invariants)
            : ExpectationReader.NotAList(r, "violated");
        var (events, eventsBy) = ExpectationReader.ReadSecurityEvents(r, catalog);
        return new ExpectSpec
        {
            Invariants = ReadInvariants(r, catalog).Where(i => !violated.Contains(i, StringComparer.Ordinal)).ToArray(),
            Violated = violated,
            Attacks = ExpectationReader.ReadAttacks(r, catalog),
            Faults = ExpectationReader.ReadFaults(r, catalog),
            SecurityEvents = events,
            SecurityEventsBy = eventsBy,
            MinGoodput = r.Number("minGoodput", 0, double.PositiveInfinity) ?? 0,
            MaxP99Ms = r.Number("maxP99Ms", 0, double.PositiveInfinity, minExclusive: true),
            MinP50Ms = r.Number("minP50Ms", 0, double.PositiveInfinity, minExclusive: true),
            MaxSecurityEvents = r.Integer("maxSecurityEvents", 0, long.MaxValue),
        };
    }

    private static IReadOnlyList<string> ReadInvariants(YamlMappingReader r, ScenarioCatalog catalog)
    {
        switch (r.Value("invariants"))
        {
            case null:
            case YamlScalarNode { Value: "all" }:
                return catalog.Invariants;
            case YamlSequenceNode list:
                return ReadNames(r.Sink, list, r.Name("invariants"), "invariant", catalog.Invariants);
            case var other:
                r.Sink.Add(other, $"{r.Name("invariants")}: expected 'all' or a list of invariant names, found {YamlScalars.Describe(other)}");
                return [];
        }
    }

    internal static string Known(string what, IReadOnlyList<string> known) =>
        known.Count == 0
            ? $"no {what}s are registered"
            : $"known {what}s: {string.Join(", ", known.Order(StringComparer.Ordinal))}";

    [GeneratedRegex("^[a-z0-9-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
