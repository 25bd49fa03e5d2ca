namespace Testbed.Defenses.RateLimit;

/// <summary>The rejection reasons of the rate-limit defense (a stable contract: results count them).</summary>
public static class RateLimitReasons
{
    /// <summary>The claimed sender's token bucket is empty.</summary>
    public const string RateLimited = "rate-limited";

    /// <summary>The silo's concurrency bound is reached (or its sender table is full of active senders).</summary>
    public const string Overloaded = "overloaded";

    /// <summary>The claimed sender is blocked after too many refusals; its messages are dropped unexamined.</summary>
    public const string SenderBlocked = "sender-blocked";
}

/// <summary>One block of a sender: from <see cref="Since"/> until (excluding) <see cref="Until"/>.</summary>
public sealed record SenderBlock(string Sender, DateTimeOffset Since, DateTimeOffset Until);

/// <summary>A snapshot of a silo's rate-limit counters.</summary>
public sealed record RateLimitStatistics(
    long Admitted,
    long RateLimited,
    long Overloaded,
    long RefusedWhileBlocked,
    long Blocks,
    int TrackedSenders,
    int InFlight);
