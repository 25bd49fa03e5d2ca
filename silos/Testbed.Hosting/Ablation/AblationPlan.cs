using System.Globalization;
using Testbed.Defenses;
using Testbed.Scenarios;

namespace Testbed.Hosting.Ablation;

/// <summary>
/// One layer taken out of a defense configuration: the layer, the layers that had to go with it because they cannot
/// work without it (removing <c>session</c> from <c>tls-like</c> takes <c>encrypt</c> and window-mode <c>replay</c>
/// too), and what remains, as explicit layer entries with the configuration's own options.
/// </summary>
public sealed record LayerRemoval(string Layer, IReadOnlyList<string> AlsoRemoved, IReadOnlyList<DefenseSpec> Remaining)
{
    /// <summary>Every layer this removal takes out: <see cref="Layer"/> first, then its dependants.</summary>
    public IReadOnlyList<string> Removed => [Layer, .. AlsoRemoved];

    /// <summary>The run's label and results folder: <c>without-session</c>.</summary>
    public string RunLabel => $"without-{Layer}";

    /// <summary>As people read it: <c>session (+ encrypt, replay)</c>.</summary>
    public string Describe() => AlsoRemoved.Count == 0 ? Layer : $"{Layer} (+ {string.Join(", ", AlsoRemoved)})";

    /// <summary><paramref name="scenario"/> with this removal's defenses in place of its own (seed and everything else kept).</summary>
    public Scenario Apply(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return scenario with { DefenseSpecs = Remaining, Defenses = Remaining.Select(s => s.Name).ToArray() };
    }
}

/// <summary>The scenarios of a suite that run one defense configuration, and the removals to try on it.</summary>
/// <param name="Key">The configuration, canonical: the resolved layers in catalog order with their options sorted.</param>
/// <param name="Label">As people read it: the preset (<c>zero-trust</c>), a preset plus its tuned layers
/// (<c>zero-trust + ratelimit{burst=100, rate=200}</c>) or <c>custom: …</c>.</param>
/// <param name="Preset">The preset the scenarios name, if any.</param>
/// <param name="Layers">The configuration's layers, in catalog order (sign, session, encrypt, mac, replay, ratelimit, authz).</param>
/// <param name="Scenarios">The scenarios, in suite order.</param>
/// <param name="Removals">One per layer removed (restricted by <c>--layers</c>), in the order of <paramref name="Layers"/>.</param>
public sealed record AblationGroup(string Key, string Label, string? Preset, IReadOnlyList<string> Layers,
    IReadOnlyList<Scenario> Scenarios, IReadOnlyList<LayerRemoval> Removals);

/// <summary>
/// Plans an ablation: groups a suite's scenarios by the defense configuration they resolve to (a preset, a preset plus
/// tuned layers, or a layer list) and, for each, the configurations with one layer removed at a time. A layer that
/// others need takes them with it (the pipeline would not validate otherwise), and the plan says so. Configurations
/// without layers (<c>none</c>) have nothing to remove and are left out.
/// </summary>
public static class AblationPlan
{
    /// <summary>The groups of <paramref name="scenarios"/>; <paramref name="layers"/>: remove only these (null: every layer).</summary>
    public static IReadOnlyList<AblationGroup> For(IEnumerable<Scenario> scenarios, IReadOnlyCollection<string>? layers = null)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        var groups = new List<AblationGroup>();
        foreach (var group in scenarios.Select(s => (Scenario: s, Setup: DefenseCatalog.Resolve(s.DefenseSpecs)))
                     .Where(x => x.Setup.Layers.Count > 0)
                     .GroupBy(x => KeyOf(x.Setup), StringComparer.Ordinal))
        {
            var (first, setup) = group.First();
            var ordered = Ordered(setup.Layers);
            var removals = ordered
                .Where(l => layers is null || layers.Contains(l))
                .Select(l => Remove(setup, l))
                .ToArray();
            groups.Add(new AblationGroup(group.Key, LabelOf(first.DefenseSpecs, setup), setup.Preset, ordered,
                group.Select(x => x.Scenario).ToArray(), removals));
        }

        return groups;
    }

    /// <summary>
    /// <paramref name="setup"/> without <paramref name="layer"/> and without every layer that (transitively) requires it;
    /// the remaining layers keep their options.
    /// </summary>
    public static LayerRemoval Remove(DefenseSetup setup, string layer)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (!setup.Layers.Contains(layer))
        {
            throw new ArgumentException($"the configuration has no layer '{layer}'", nameof(layer));
        }

        var requirements = setup.Pipeline.Requirements;
        var removed = new List<string> { layer };
        bool more;
        do
        {
            var dependants = Ordered(setup.Layers).Where(l => !removed.Contains(l) && requirements.GetValueOrDefault(l, []).Any(removed.Contains)).ToArray();
            removed.AddRange(dependants);
            more = dependants.Length > 0;
        }
        while (more);

        var remaining = Ordered(setup.Layers).Where(l => !removed.Contains(l))
            .Select(l => new DefenseSpec { Name = l, Options = setup.Options[l] })
            .ToArray();
        if (DefenseCatalog.CheckList(remaining) is { } error)
        {
            throw new InvalidOperationException($"removing '{layer}' leaves an invalid pipeline: {error}"); // a rule the catalog does not expose
        }

        return new LayerRemoval(layer, removed.Skip(1).ToArray(), remaining);
    }

    /// <summary>The canonical configuration: <c>session,encrypt,replay{mode=window}</c> (layers in pipeline order, options by key).</summary>
    public static string KeyOf(DefenseSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return string.Join(",", Ordered(setup.Layers).Select(l => l + Options(setup.Options[l], exact: true)));
    }

    // The catalog's order (sign, session, encrypt, mac, replay, ratelimit, authz), whatever order the scenario listed them in.
    private static string[] Ordered(IReadOnlyList<string> layers)
    {
        var catalog = DefenseCatalog.Names.Except(DefenseCatalog.Presets.Keys).ToList();
        return [.. layers.OrderBy(l => catalog.IndexOf(l))];
    }

    private static string LabelOf(IReadOnlyList<DefenseSpec> specs, DefenseSetup setup)
    {
        var tuned = specs.Where(s => !DefenseCatalog.Presets.ContainsKey(s.Name)).Select(s => s.Name + Options(s.Options)).ToArray();
        return setup.Preset is { } preset
            ? tuned.Length == 0 ? preset : $"{preset} + {string.Join(" + ", tuned)}"
            : $"custom: {string.Join(", ", tuned)}";
    }

    private static string Options(IReadOnlyDictionary<string, string> options, bool exact = false) => options.Count == 0
        ? ""
        : "{" + string.Join(", ", options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={(exact ? o.Value : Short(o.Value))}")) + "}";

    // An inline authz policy is a YAML block: name it by its size, not its text.
    private static string Short(string value) => value.Contains('\n', StringComparison.Ordinal)
        ? string.Create(CultureInfo.InvariantCulture, $"<{value.Split('\n').Length} lines>")
        : value;
}
