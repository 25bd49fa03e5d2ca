namespace Testbed.Defenses.RateLimit;

/// <summary>The rejection reasons of the rate-limit defense (a stable contract: results count them).</summary>
public static class RateLimitReasons
{
    /// <summary>The token bucket of the request's wire source (at admission) or of its authenticated sender (on acceptance) is empty.</summary>
    public const string RateLimited = "rate-limited";

    /// <summary>The silo's concurrency bound is reached (or its sender table is full of active senders).</summary>
    public const string Overloaded = "overloaded";

    /// <summary>The sender, refused too often after it was authenticated, is blocked; messages claiming it are dropped unexamined.</summary>
    public const string SenderBlocked = "sender-blocked";

    /// <summary>The request's wire source is blocked after too many refusals; its messages are dropped unexamined.</summary>
    public const string SourceBlocked = "source-blocked";
}

/// <summary>
/// One block, from <see cref="Since"/> until (excluding) <see cref="Until"/>: of an authenticated principal
/// (<see cref="Source"/> null, <see cref="Sender"/> the principal), or of a wire source (<see cref="Source"/> set,
/// <see cref="Sender"/> the sender claimed by the frame whose refusal started the block).
/// </summary>
public sealed record SenderBlock(string Sender, DateTimeOffset Since, DateTimeOffset Until)
{
    /// <summary>The blocked wire source; null for a block of an authenticated principal.</summary>
    public string? Source { get; init; }
}

/// <summary>A snapshot of a silo's rate-limit counters.</summary>
public sealed record RateLimitStatistics(
    long Admitted,
    long RateLimited,
    long Overloaded,
    long RefusedWhileBlocked,
    long Blocks,
    int TrackedSources,
    int TrackedPrincipals,
    int InFlight);
