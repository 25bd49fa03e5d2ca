using System.Globalization;
using Testbed.Scenarios;

namespace Testbed.Defenses.Replay;

/// <summary>How the replay defense decides freshness.</summary>
public enum ReplayMode
{
    /// <summary>Per-session sliding window over sequence numbers (RFC 6479); needs the session defense.</summary>
    Window,
    /// <summary>Timestamp within a window plus a random nonce remembered while it could pass; for per-message signatures.</summary>
    Timestamp,
}

/// <summary>Options of the replay defense (scenario keys: mode, windowSize, maxAge, window, tolerance, cacheSize, senderQuota, horizonLease).</summary>
public sealed record ReplayOptions
{
    /// <summary>Largest <see cref="CacheSize"/>.</summary>
    public const int MaxCacheSize = 10_000_000;

    /// <summary>The option keys <see cref="FromSettings"/> accepts.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["mode", "windowSize", "maxAge", "window", "tolerance", "cacheSize", "senderQuota", "horizonLease"];

    /// <summary>
    /// Each key's default as a scenario writes it, read from a default instance; <c>senderQuota</c> has none (a quarter of
    /// <c>cacheSize</c>). Keys of one mode only (<c>windowSize</c>, <c>maxAge</c>: window; <c>window</c>, <c>cacheSize</c>,
    /// <c>horizonLease</c>: timestamp) are accepted in that mode only.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = DefaultsOf(new ReplayOptions());
    private static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    /// <summary>Window (default) or timestamp.</summary>
    public ReplayMode Mode { get; init; } = ReplayMode.Window;

    /// <summary>Window mode: bitmap bits per session, a power of two in 64..2^20 (default 8192; reorder reach is this − 64).</summary>
    public int WindowSize { get; init; } = SlidingWindow.DefaultSize;

    /// <summary>
    /// Window mode: how old (or how far ahead) a message may be, before the tolerance (default 1 s). The window stops
    /// duplicates; this bounds how long a request withheld by the network stays deliverable (a retry is sealed afresh).
    /// </summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Timestamp mode: how old (or how far ahead) a message may be, before the tolerance (default 30 s).</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Both modes: clock skew tolerated on top of <see cref="MaxAge"/> or <see cref="Window"/> (default 2 s).</summary>
    public TimeSpan Tolerance { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Timestamp mode: nonces remembered per receiving principal, 1..10^7 (default 100000).</summary>
    public int CacheSize { get; init; } = 100_000;

    /// <summary>
    /// Timestamp mode: the most live nonces one sender may hold in a receiving principal's cache, 1..<see cref="CacheSize"/>;
    /// null (the default) means a quarter of the cache (at least 1), so that no fewer than four senders at their quota
    /// can fill it. Charged to the authenticated sender, or — when no layer authenticated the message — to its wire
    /// source, never to a sender a frame merely claims.
    /// </summary>
    public int? SenderQuota { get; init; }

    /// <summary>The quota in force: <see cref="SenderQuota"/>, or a quarter of <see cref="CacheSize"/> (at least 1).</summary>
    public int EffectiveSenderQuota => SenderQuota ?? Math.Max(1, CacheSize / 4);

    /// <summary>
    /// Timestamp mode: how far past a message's timestamp the durable replay horizon is raised when a message reaches it
    /// (default 1 s). Longer: fewer storage writes (at most one per receiving principal per lease while it receives);
    /// shorter: a shorter refusal (<c>replay-before-horizon</c>) of fresh messages after a reactivation.
    /// </summary>
    public TimeSpan HorizonLease { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><see cref="HorizonLease"/> in whole milliseconds.</summary>
    public long HorizonLeaseMs => (long)HorizonLease.TotalMilliseconds;

    /// <summary>
    /// The largest accepted |now − timestamp| in whole milliseconds: <see cref="Window"/> (timestamp mode) or
    /// <see cref="MaxAge"/> (window mode), plus <see cref="Tolerance"/>.
    /// </summary>
    public long MaxAgeMs => (long)((Mode == ReplayMode.Timestamp ? Window : MaxAge) + Tolerance).TotalMilliseconds;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid value.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentException($"replay option 'mode' must be window or timestamp, not {Mode}");
        }

        if (!SlidingWindow.IsValidSize(WindowSize))
        {
            throw new ArgumentException($"replay option 'windowSize' must be a power of two in {SlidingWindow.MinSize}..{SlidingWindow.MaxSize}, not {WindowSize}");
        }

        CheckDuration("window", Window, TimeSpan.FromMilliseconds(1));
        CheckDuration("maxAge", MaxAge, TimeSpan.FromMilliseconds(1));
        CheckDuration("tolerance", Tolerance, TimeSpan.Zero);
        CheckDuration("horizonLease", HorizonLease, TimeSpan.FromMilliseconds(1));
        if (CacheSize is < 1 or > MaxCacheSize)
        {
            throw new ArgumentException($"replay option 'cacheSize' must be in 1..{MaxCacheSize}, not {CacheSize}");
        }

        if (SenderQuota is { } quota && (quota < 1 || quota > CacheSize))
        {
            throw new ArgumentException($"replay option 'senderQuota' must be in 1..cacheSize ({CacheSize}), not {quota}");
        }
    }

    /// <summary>
    /// Reads the scenario's raw option strings. Durations are written like <c>30s</c>, <c>500ms</c>, <c>2m</c>.
    /// Unknown keys, bad values and keys of the other mode are rejected with an <see cref="ArgumentException"/>.
    /// </summary>
    public static ReplayOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var key in settings.Keys.Where(k => !Keys.Contains(k, StringComparer.Ordinal)))
        {
            throw new ArgumentException($"unknown replay option '{key}'; allowed: {string.Join(", ", Keys)}");
        }

        var options = new ReplayOptions();
        if (settings.TryGetValue("mode", out var mode))
        {
            options = options with
            {
                Mode = mode switch
                {
                    "window" => ReplayMode.Window,
                    "timestamp" => ReplayMode.Timestamp,
                    _ => throw new ArgumentException($"replay option 'mode' must be window or timestamp, not '{mode}'"),
                },
            };
        }

        string[] otherModeKeys = options.Mode == ReplayMode.Window ? ["window", "cacheSize", "senderQuota", "horizonLease"] : ["windowSize", "maxAge"];
        foreach (var key in otherModeKeys.Where(settings.ContainsKey))
        {
            var owner = options.Mode == ReplayMode.Window ? "timestamp" : "window";
            throw new ArgumentException($"replay option '{key}' applies only to mode {owner}");
        }

        if (settings.TryGetValue("windowSize", out var size))
        {
            options = options with { WindowSize = Integer("windowSize", size, $"a power of two in {SlidingWindow.MinSize}..{SlidingWindow.MaxSize}") };
        }

        if (settings.TryGetValue("maxAge", out var maxAge))
        {
            options = options with { MaxAge = Duration("maxAge", maxAge) };
        }

        if (settings.TryGetValue("window", out var window))
        {
            options = options with { Window = Duration("window", window) };
        }

        if (settings.TryGetValue("tolerance", out var tolerance))
        {
            options = options with { Tolerance = Duration("tolerance", tolerance) };
        }

        if (settings.TryGetValue("cacheSize", out var cache))
        {
            options = options with { CacheSize = Integer("cacheSize", cache, $"in 1..{MaxCacheSize}") };
        }

        if (settings.TryGetValue("senderQuota", out var quota))
        {
            options = options with { SenderQuota = Integer("senderQuota", quota, "in 1..cacheSize") };
        }

        if (settings.TryGetValue("horizonLease", out var lease))
        {
            options = options with { HorizonLease = Duration("horizonLease", lease) };
        }

        options.Validate();
        return options;
    }

    private static Dictionary<string, string> DefaultsOf(ReplayOptions o) => new(StringComparer.Ordinal)
    {
        ["mode"] = o.Mode == ReplayMode.Timestamp ? "timestamp" : "window",
        ["windowSize"] = o.WindowSize.ToString(CultureInfo.InvariantCulture),
        ["maxAge"] = ScenarioDuration.Format(o.MaxAge),
        ["window"] = ScenarioDuration.Format(o.Window),
        ["tolerance"] = ScenarioDuration.Format(o.Tolerance),
        ["cacheSize"] = o.CacheSize.ToString(CultureInfo.InvariantCulture),
        ["horizonLease"] = ScenarioDuration.Format(o.HorizonLease),
    };

    private static int Integer(string key, string text, string allowed) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"replay option '{key}' must be an integer {allowed}, not '{text}'");

    private static TimeSpan Duration(string key, string text) =>
        ScenarioDuration.TryParse(text, out var value)
            ? value
            : throw new ArgumentException($"replay option '{key}' must be a duration such as 30s or 500ms (up to 1h), not '{text}'");

    private static void CheckDuration(string key, TimeSpan value, TimeSpan min)
    {
        if (value < min || value > MaxDuration)
        {
            throw new ArgumentException($"replay option '{key}' must be in {ScenarioDuration.Format(min)}..1h, not {value}");
        }
    }
}
