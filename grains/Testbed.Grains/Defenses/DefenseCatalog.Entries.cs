using Testbed.Defenses.Authz;
using Testbed.Defenses.Encrypt;
using Testbed.Defenses.Mac;
using Testbed.Defenses.RateLimit;
using Testbed.Defenses.Replay;
using Testbed.Defenses.Session;
using Testbed.Defenses.Sign;

namespace Testbed.Defenses;

/// <summary>The layers and presets this build knows.</summary>
public static partial class DefenseCatalog
{
    private static IReadOnlyDictionary<string, string> NoOptions => Options();

    private static IEnumerable<LayerEntry> CreateLayerEntries() =>
    [
        Entry("sign", s => SignOptions.FromSettings(s), (b, o) => b.AddSign(o)),
        Entry("session", s => SessionOptions.FromSettings(s), (b, o) => b.AddSession(o)),
        Entry("encrypt", s => EncryptOptions.FromSettings(s), (b, o) => b.AddEncrypt(o)),
        Entry("mac", s => MacOptions.FromSettings(s), (b, o) => b.AddMac(o)),
        Entry("replay", s => ReplayOptions.FromSettings(s), (b, o) => b.AddReplay(o)),
        Entry("ratelimit", s => RateLimitOptions.FromSettings(s), (b, o) => b.AddRateLimit(o)),
        Entry("authz", s => AuthzOptions.FromSettings(s), (b, o) => b.AddAuthz(o)),
    ];

    private static Dictionary<string, IReadOnlyList<(string Layer, IReadOnlyDictionary<string, string> Options)>> CreatePresets() =>
        new(StringComparer.Ordinal)
        {
            ["none"] = [],
            ["signed"] = [("sign", NoOptions), ("replay", Options(("mode", "timestamp"), ("window", "1s")))],
            ["tls-like"] = TlsLike,
            ["zero-trust"] = ZeroTrust,
            ["paranoid"] = [.. ZeroTrust, ("sign", NoOptions)],
        };

    private static (string, IReadOnlyDictionary<string, string>)[] TlsLike =>
        [("session", NoOptions), ("encrypt", NoOptions), ("replay", Options(("mode", "window")))];

    // Per-sender limits sized above what one payment shard legitimately sends to one silo at full closed-loop speed on
    // this workload, so the preset raises no false alarm; a flooder from one claimed source is far beyond them.
    private static (string, IReadOnlyDictionary<string, string>)[] ZeroTrust =>
        [.. TlsLike, ("ratelimit", Options(("rate", "20000"), ("burst", "4000"))), ("authz", NoOptions)];

    private static LayerEntry Entry<TOptions>(string name, Func<IReadOnlyDictionary<string, string>, TOptions> parse, Action<DefensePipelineBuilder, TOptions> add) =>
        new(name, settings =>
        {
            var options = parse(settings);
            return builder => add(builder, options);
        });

    private static IReadOnlyDictionary<string, string> Options(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
