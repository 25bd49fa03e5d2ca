using Testbed.Defenses.Authz;
using Testbed.Defenses.RateLimit;
using Testbed.Defenses.Replay;
using Testbed.Defenses.Sign;

namespace Testbed.Defenses;

/// <summary>The layers and presets this build knows.</summary>
public static partial class DefenseCatalog
{
    private static IReadOnlyDictionary<string, string> NoOptions => Options();

    private static IEnumerable<LayerEntry> CreateLayerEntries() =>
    [
        Entry("sign", s => SignOptions.FromSettings(s), (b, o) => b.AddSign(o)),
        Entry("replay", s => ReplayOptions.FromSettings(s), (b, o) => b.AddReplay(o)),
        Entry("ratelimit", s => RateLimitOptions.FromSettings(s), (b, o) => b.AddRateLimit(o)),
        Entry("authz", s => AuthzOptions.FromSettings(s), (b, o) => b.AddAuthz(o)),
    ];

    private static Dictionary<string, IReadOnlyList<(string Layer, IReadOnlyDictionary<string, string> Options)>> CreatePresets() =>
        new(StringComparer.Ordinal)
        {
            ["none"] = [],
            ["signed"] = [("sign", NoOptions), ("replay", Options(("mode", "timestamp")))],
        };

    private static LayerEntry Entry<TOptions>(string name, Func<IReadOnlyDictionary<string, string>, TOptions> parse, Action<DefensePipelineBuilder, TOptions> add) =>
        new(name, settings =>
        {
            var options = parse(settings);
            return builder => add(builder, options);
        });

    private static IReadOnlyDictionary<string, string> Options(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
