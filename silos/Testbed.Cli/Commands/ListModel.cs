using Testbed.Attacks.Api;
using Testbed.Attacks.Faults;
using Testbed.Attacks.Scripting;
using Testbed.Checking;
using Testbed.Defenses;
using Testbed.Scenarios;

namespace Testbed.Cli.Commands;

/// <summary>
/// What <c>testbed list</c> shows, built from the catalogs the scenario loader checks against (so the list cannot drift
/// from what loads). Property names are the JSON contract (camelCase; documented in the README).
/// </summary>
internal static class ListModel
{
    /// <summary>The categories, in the order the help lists them.</summary>
    public static IReadOnlyList<string> Categories { get; } = ["attacks", "faults", "defenses", "presets", "invariants"];

    /// <summary>
    /// The built-in attacks; with <paramref name="scenario"/>, only the kinds its <c>attacks:</c> entries use — built-in
    /// ones in catalog order, then each scripted one (described from its compiled class, with its file) in entry order.
    /// </summary>
    public static IReadOnlyList<KindItem> Attacks(Scenario? scenario = null) =>
        [.. AttackCatalog.Builtin.Kinds.Where(k => Uses(scenario?.Attacks, k)).Select(k => KindItem.Of(AttackCatalog.Builtin.Describe(k), attack: true, null)),
            .. Scripted(scenario?.Attacks, s => KindDescription.Describe(ScriptCompiler.Compile(s).NewAttack()), attack: true)];

    /// <summary>The faults; with <paramref name="scenario"/>, only those its <c>faults:</c> entries use (as <see cref="Attacks"/>).</summary>
    public static IReadOnlyList<KindItem> Faults(Scenario? scenario = null) =>
        [.. FaultCatalog.Kinds.Where(k => Uses(scenario?.Faults, k)).Select(k => KindItem.Of(FaultCatalog.Describe(k), attack: false, null)),
            .. Scripted(scenario?.Faults, s => KindDescription.Describe(ScriptCompiler.Compile(s).NewFault()), attack: false)];

    private static bool Uses(IReadOnlyList<ActionSpec>? entries, string kind) =>
        entries is null || entries.Any(e => e.Script is null && e.Kind == kind);

    private static IEnumerable<KindItem> Scripted(IReadOnlyList<ActionSpec>? entries, Func<ScriptSource, KindDescription> describe, bool attack) =>
        (entries ?? []).Where(e => e.Script is not null).DistinctBy(e => e.Kind, StringComparer.Ordinal)
            .Select(e => KindItem.Of(describe(e.Script!), attack, e.Script!.Path));

    /// <summary>The defense layers with their option keys and defaults.</summary>
    public static IReadOnlyList<DefenseItem> Defenses() =>
        [.. DefenseCatalog.Layers.Select(l => new DefenseItem(l.Name, l.Description, [.. l.Keys.Select(k => new LayerOptionItem(k, l.Defaults.GetValueOrDefault(k)))]))];

    /// <summary>The presets with their layers and the options each sets (other keys take the layer's defaults).</summary>
    public static IReadOnlyList<PresetItem> Presets() =>
        [.. DefenseCatalog.Presets.Select(p => new PresetItem(p.Key, DefenseCatalog.PresetDescriptions[p.Key],
            [.. p.Value.Select(l => new PresetLayerItem(l.Layer, l.Options))]))];

    /// <summary>The invariants the checker judges, in its report order.</summary>
    public static IReadOnlyList<InvariantItem> Invariants() =>
        [.. Checking.Invariants.All.Select(n => new InvariantItem(n, Checking.Invariants.Describe(n)))];
}

/// <summary>An attack or fault kind; <see cref="Capec"/>, <see cref="Mitre"/> and <see cref="Capabilities"/> are null for faults;
/// <see cref="Script"/> is the file a scripted kind comes from (null: built in).</summary>
internal sealed record KindItem(string Kind, string Description, string? Capec, string? Mitre, IReadOnlyList<string>? Capabilities,
    IReadOnlyList<OptionItem> Options, string? Requires, string? Script)
{
    public static KindItem Of(KindDescription d, bool attack, string? script) => new(d.Kind, d.Description, d.Capec, d.Mitre, attack ? d.CapabilityNames : null,
        [.. d.Options.Select(o => new OptionItem(o.Name, o.Type.ToString().ToLowerInvariant(), o.Default, o.Min, o.Max, o.Choices))], d.Requires, script);
}

/// <summary>An option of a kind: <see cref="Type"/> is text, integer, number, duration or choice; Min/Max for integer and number.</summary>
internal sealed record OptionItem(string Name, string Type, string Default, double? Min, double? Max, IReadOnlyList<string> Choices);

/// <summary>A defense layer.</summary>
internal sealed record DefenseItem(string Name, string Description, IReadOnlyList<LayerOptionItem> Options);

/// <summary>An option key of a layer, with its default as a scenario writes it (null: none that can be written).</summary>
internal sealed record LayerOptionItem(string Name, string? Default);

/// <summary>A preset.</summary>
internal sealed record PresetItem(string Name, string Description, IReadOnlyList<PresetLayerItem> Layers);

/// <summary>A layer of a preset with the options the preset sets.</summary>
internal sealed record PresetLayerItem(string Name, IReadOnlyDictionary<string, string> Options);

/// <summary>An invariant.</summary>
internal sealed record InvariantItem(string Name, string Description);
