using Testbed.Scenarios;

namespace Testbed.Defenses;

/// <summary>What a scenario's <c>defenses:</c> list resolves to.</summary>
public sealed record DefenseSetup(
    DefensePipelineBuilder Pipeline,
    IReadOnlyList<string> Layers,
    string? Preset,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Options,
    Identity.IdentityOptions Identity);

/// <summary>
/// The defenses a scenario can name: layers (each with its own options) and presets (named stacks of layers).
/// A list may name at most one preset plus layers: a layer named explicitly replaces the preset's layer of that name
/// (so <c>[tls-like, {name: replay, windowSize: 1024}]</c> tunes the preset). Order in the list does not matter: the
/// pipeline orders layers by stage.
/// </summary>
public static partial class DefenseCatalog
{
    /// <summary>
    /// A layer the catalog can add: one line of description, the option keys it accepts with the defaults of those that
    /// have one (as a scenario writes them, from its options type), how to check its options and how to add it to a pipeline.
    /// </summary>
    public sealed record LayerEntry(
        string Name,
        string Description,
        IReadOnlyList<string> Keys,
        IReadOnlyDictionary<string, string> Defaults,
        Func<IReadOnlyDictionary<string, string>, Action<DefensePipelineBuilder>> Configure);

    /// <summary>Every layer a scenario may name.</summary>
    public static IReadOnlyList<LayerEntry> Layers { get; } = [.. CreateLayerEntries()];

    private static readonly Dictionary<string, LayerEntry> LayerEntries = Layers.ToDictionary(e => e.Name, StringComparer.Ordinal);

    /// <summary>Presets by name, each a list of (layer, default options).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<(string Layer, IReadOnlyDictionary<string, string> Options)>> Presets { get; } = CreatePresets();

    /// <summary>One line describing each preset, by name (the same names as <see cref="Presets"/>).</summary>
    public static IReadOnlyDictionary<string, string> PresetDescriptions { get; } = CreatePresetDescriptions();

    /// <summary>Every name a scenario may use: presets first, then layers.</summary>
    public static IReadOnlyList<string> Names => [.. Presets.Keys, .. LayerEntries.Keys];

    /// <summary>Checks one entry's options; returns an error message or null.</summary>
    public static string? Check(DefenseSpec spec)
    {
        if (Presets.ContainsKey(spec.Name))
        {
            return spec.Options.Count == 0 ? null : $"preset '{spec.Name}' takes no options; list the layer with its options instead";
        }

        if (!LayerEntries.TryGetValue(spec.Name, out var entry))
        {
            return $"unknown defense '{spec.Name}'";
        }

        try
        {
            entry.Configure(spec.Options);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Checks the combination (one preset at most, required layers present, no conflicts); returns an error or null.</summary>
    public static string? CheckList(IReadOnlyList<DefenseSpec> specs)
    {
        try
        {
            Resolve(specs).Pipeline.Validate();
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Resolves a scenario's entries to a pipeline builder and the final layer list.</summary>
    public static DefenseSetup Resolve(IReadOnlyList<DefenseSpec> specs)
    {
        var presets = specs.Where(s => Presets.ContainsKey(s.Name)).ToList();
        if (presets.Count > 1)
        {
            throw new ArgumentException($"at most one preset per scenario, found {string.Join(", ", presets.Select(p => p.Name))}");
        }

        var preset = presets.FirstOrDefault()?.Name;
        var layers = new List<(string Name, IReadOnlyDictionary<string, string> Options)>();
        if (preset is not null)
        {
            layers.AddRange(Presets[preset]);
        }

        foreach (var spec in specs.Where(s => !Presets.ContainsKey(s.Name)))
        {
            layers.RemoveAll(l => l.Name == spec.Name);
            layers.Add((spec.Name, spec.Options));
        }

        var builder = new DefensePipelineBuilder();
        foreach (var (name, options) in layers)
        {
            if (!LayerEntries.TryGetValue(name, out var entry))
            {
                throw new ArgumentException($"unknown defense '{name}'");
            }

            entry.Configure(options)(builder);
        }

        // The run's identities follow the sign layer's algorithm when there is one (session transcripts use the same keys).
        var identity = layers.FirstOrDefault(l => l.Name == "sign") is { Name: not null } sign
            ? Testbed.Defenses.Sign.SignOptions.FromSettings(sign.Options).ToIdentityOptions()
            : new Identity.IdentityOptions();
        return new DefenseSetup(builder, builder.Names, preset, layers.ToDictionary(l => l.Name, l => l.Options, StringComparer.Ordinal), identity);
    }
}
