using System.Globalization;
using Testbed.Scenarios;

namespace Testbed.Defenses.RateLimit;

/// <summary>Options of the rate-limit defense (scenario keys: rate, burst, concurrency, strikes, blockFor, maxSenders).</summary>
public sealed record RateLimitOptions
{
    /// <summary>The option keys <see cref="FromSettings"/> accepts.</summary>
    public static IReadOnlyList<string> Keys { get; } = ["rate", "burst", "concurrency", "strikes", "blockFor", "maxSenders"];

    /// <summary>Each key's default as a scenario writes it, read from a default instance.</summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = DefaultsOf(new RateLimitOptions());

    /// <summary>Tokens per second added to each bucket (a wire source's; an authenticated principal's), (0, 10^9] (default 1000).</summary>
    public double Rate { get; init; } = 1000;

    /// <summary>Bucket capacity: how many messages a source (or principal) may send at once, 1..10^6 (default 200).</summary>
    public int Burst { get; init; } = 200;

    /// <summary>Requests handled at the same time on one silo, 1..10^6 (default 256).</summary>
    public int Concurrency { get; init; } = 256;

    /// <summary>Refusals within <see cref="BlockFor"/> after which a source (or authenticated principal) is blocked, 1..1000 (default 20).</summary>
    public int Strikes { get; init; } = 20;

    /// <summary>How long a blocked source or principal stays blocked, and the span in which strikes count, 1ms..1h (default 5 s).</summary>
    public TimeSpan BlockFor { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Wire sources, and authenticated principals, tracked per silo (each), 1..10^7 (default 100000). When full, idle
    /// ones are forgotten; if none is idle, requests from new ones are refused as overloaded (memory stays bounded; forged
    /// sender ids take no entry at all).
    /// </summary>
    public int MaxSenders { get; init; } = 100_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid value.</summary>
    public void Validate()
    {
        if (!(Rate > 0 && Rate <= 1e9))
        {
            throw new ArgumentException($"ratelimit option 'rate' must be a number of tokens per second in (0, 1000000000], not {Rate}");
        }

        CheckRange("burst", Burst, 1_000_000);
        CheckRange("concurrency", Concurrency, 1_000_000);
        CheckRange("strikes", Strikes, 1_000);
        CheckRange("maxSenders", MaxSenders, 10_000_000);
        if (BlockFor < TimeSpan.FromMilliseconds(1) || BlockFor > TimeSpan.FromHours(1))
        {
            throw new ArgumentException($"ratelimit option 'blockFor' must be in 1ms..1h, not {BlockFor}");
        }
    }

    /// <summary>Reads the scenario's raw option strings; unknown keys and bad values throw <see cref="ArgumentException"/>.</summary>
    public static RateLimitOptions FromSettings(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var key in settings.Keys.Where(k => !Keys.Contains(k, StringComparer.Ordinal)))
        {
            throw new ArgumentException($"unknown ratelimit option '{key}'; allowed: {string.Join(", ", Keys)}");
        }

        var options = new RateLimitOptions();
        if (settings.TryGetValue("rate", out var rate))
        {
            options = options with
            {
                Rate = double.TryParse(rate, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : throw new ArgumentException($"ratelimit option 'rate' must be a number of tokens per second in (0, 1000000000], not '{rate}'"),
            };
        }

        if (settings.TryGetValue("burst", out var burst))
        {
            options = options with { Burst = Integer("burst", burst, 1_000_000) };
        }

        if (settings.TryGetValue("concurrency", out var concurrency))
        {
            options = options with { Concurrency = Integer("concurrency", concurrency, 1_000_000) };
        }

        if (settings.TryGetValue("strikes", out var strikes))
        {
            options = options with { Strikes = Integer("strikes", strikes, 1_000) };
        }

        if (settings.TryGetValue("maxSenders", out var maxSenders))
        {
            options = options with { MaxSenders = Integer("maxSenders", maxSenders, 10_000_000) };
        }

        if (settings.TryGetValue("blockFor", out var blockFor))
        {
            options = options with
            {
                BlockFor = ScenarioDuration.TryParse(blockFor, out var value)
                    ? value
                    : throw new ArgumentException($"ratelimit option 'blockFor' must be a duration in 1ms..1h such as 5s or 500ms, not '{blockFor}'"),
            };
        }

        options.Validate();
        return options;
    }

    private static Dictionary<string, string> DefaultsOf(RateLimitOptions o) => new(StringComparer.Ordinal)
    {
        ["rate"] = o.Rate.ToString(CultureInfo.InvariantCulture),
        ["burst"] = o.Burst.ToString(CultureInfo.InvariantCulture),
        ["concurrency"] = o.Concurrency.ToString(CultureInfo.InvariantCulture),
        ["strikes"] = o.Strikes.ToString(CultureInfo.InvariantCulture),
        ["blockFor"] = ScenarioDuration.Format(o.BlockFor),
        ["maxSenders"] = o.MaxSenders.ToString(CultureInfo.InvariantCulture),
    };

    private static int Integer(string key, string text, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"ratelimit option '{key}' must be an integer in 1..{max}, not '{text}'");

    private static void CheckRange(string key, int value, int max)
    {
        if (value < 1 || value > max)
        {
            throw new ArgumentException($"ratelimit option '{key}' must be an integer in 1..{max}, not {value}");
        }
    }
}
