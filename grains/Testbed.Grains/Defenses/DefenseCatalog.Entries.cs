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
        Entry("sign", "per-message signature over header and payload with the sender's long-term key, verified against the CA",
            SignOptions.Keys, SignOptions.Defaults, s => SignOptions.FromSettings(s), (b, o) => b.AddSign(o)),
        Entry("session", "signed ephemeral key exchange per pair of principals: per-direction keys, rekeying, forward secrecy",
            SessionOptions.Keys, SessionOptions.Defaults, s => SessionOptions.FromSettings(s), (b, o) => b.AddSession(o)),
        Entry("encrypt", "AEAD of the payload with the header as associated data, nonces from the per-direction sequence",
            EncryptOptions.Keys, EncryptOptions.Defaults, s => EncryptOptions.FromSettings(s), (b, o) => b.AddEncrypt(o)),
        Entry("mac", "HMAC-SHA256 with the session's per-direction key: integrity without confidentiality",
            MacOptions.Keys, MacOptions.Defaults, s => MacOptions.FromSettings(s), (b, o) => b.AddMac(o)),
        Entry("replay", "refuses replayed and stale messages: a per-session sliding window (window) or timestamp and nonce cache (timestamp)",
            ReplayOptions.Keys, ReplayOptions.Defaults, s => ReplayOptions.FromSettings(s), (b, o) => b.AddReplay(o)),
        Entry("ratelimit", "admission before any crypto: token buckets per wire source and authenticated sender, a concurrency bound, blocking",
            RateLimitOptions.Keys, RateLimitOptions.Defaults, s => RateLimitOptions.FromSettings(s), (b, o) => b.AddRateLimit(o)),
        Entry("authz", "deny-by-default policy of who may send which kind of message to whom",
            AuthzOptions.Keys, AuthzOptions.Defaults, s => AuthzOptions.FromSettings(s), (b, o) => b.AddAuthz(o)),
    ];

    private static Dictionary<string, string> CreatePresetDescriptions() => new(StringComparer.Ordinal)
    {
        ["none"] = "no defense: the baseline every cost is measured against",
        ["signed"] = "per-message signatures with timestamp and nonce replay protection",
        ["tls-like"] = "a signed key exchange per pair of principals, then AEAD and a sliding replay window on the session",
        ["zero-trust"] = "tls-like plus per-sender rate limiting before any crypto and deny-by-default authorization",
        ["paranoid"] = "zero-trust plus a per-message signature on top of the session",
    };

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

    private static LayerEntry Entry<TOptions>(string name, string description, IReadOnlyList<string> keys, IReadOnlyDictionary<string, string> defaults,
        Func<IReadOnlyDictionary<string, string>, TOptions> parse, Action<DefensePipelineBuilder, TOptions> add) =>
        new(name, description, keys, defaults, settings =>
        {
            var options = parse(settings);
            return builder => add(builder, options);
        });

    private static IReadOnlyDictionary<string, string> Options(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
