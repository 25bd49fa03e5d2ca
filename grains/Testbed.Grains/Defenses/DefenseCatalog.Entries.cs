namespace Testbed.Defenses;

/// <summary>The layers and presets this build knows.</summary>
public static partial class DefenseCatalog
{
    private static readonly IReadOnlyDictionary<string, string> NoOptions = new Dictionary<string, string>();

    private static IEnumerable<LayerEntry> CreateLayerEntries() => [];

    private static Dictionary<string, IReadOnlyList<(string Layer, IReadOnlyDictionary<string, string> Options)>> CreatePresets() =>
        new(StringComparer.Ordinal)
        {
            ["none"] = [],
        };
}
