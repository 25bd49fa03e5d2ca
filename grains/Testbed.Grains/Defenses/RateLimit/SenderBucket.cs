namespace Testbed.Defenses.RateLimit;

/// <summary>What <see cref="SenderBucket.Admit"/> decided for one message.</summary>
internal enum AdmissionDecision
{
    /// <summary>A token was taken.</summary>
    Admitted,
    /// <summary>The bucket was empty.</summary>
    RateLimited,
    /// <summary>The bucket was empty and this refusal was the strike that blocked the sender.</summary>
    RateLimitedAndBlocked,
    /// <summary>The sender is blocked; the bucket was not touched.</summary>
    Blocked,
}

/// <summary>
/// One key's admission state on a silo (a wire source's, or an authenticated principal's): a token bucket refilled from the injected clock (so fake time
/// drives it), the times of its last refusals, and its block. Thread-safe (a lock per sender).
/// </summary>
internal sealed class SenderBucket
{
    /// <summary>Slack for floating-point refill sums (0.99 + 0.01 must make a token).</summary>
    private const double Epsilon = 1e-9;

    private readonly Lock _lock = new();
    private double _tokens;
    private long _refilledAt;
    private long[]? _strikes;
    private int _nextStrike;
    private int _strikeCount;
    private long _lastStrike = long.MinValue;

    public SenderBucket(int burst, long nowTicks)
    {
        _tokens = burst;
        _refilledAt = nowTicks;
    }

    /// <summary>UTC ticks when the current (or last) block began; 0 when never blocked.</summary>
    public long BlockedSince { get; private set; }

    /// <summary>UTC ticks when the current (or last) block ends; 0 when never blocked.</summary>
    public long BlockedUntil { get; private set; }

    /// <summary>Decides one message at <paramref name="now"/> (UTC ticks).</summary>
    public AdmissionDecision Admit(long now, RateLimitOptions options, long blockTicks)
    {
        lock (_lock)
        {
            if (now < BlockedUntil)
            {
                return AdmissionDecision.Blocked;
            }

            _tokens = TokensAt(now, options);
            _refilledAt = Math.Max(now, _refilledAt);
            if (_tokens >= 1 - Epsilon)
            {
                _tokens = Math.Max(0, _tokens - 1);
                return AdmissionDecision.Admitted;
            }

            return Strike(now, options.Strikes, blockTicks) ? AdmissionDecision.RateLimitedAndBlocked : AdmissionDecision.RateLimited;
        }
    }

    /// <summary>True while the key is blocked at <paramref name="now"/>.</summary>
    public bool IsBlockedAt(long now)
    {
        lock (_lock)
        {
            return now < BlockedUntil;
        }
    }

    /// <summary>True when forgetting this key changes nothing: not blocked, no strike in the window, bucket full.</summary>
    public bool IsIdleAt(long now, RateLimitOptions options, long blockTicks)
    {
        lock (_lock)
        {
            return now >= BlockedUntil
                && (_lastStrike == long.MinValue || now - _lastStrike > blockTicks)
                && TokensAt(now, options) >= options.Burst - Epsilon;
        }
    }

    private double TokensAt(long now, RateLimitOptions options) =>
        now > _refilledAt
            ? Math.Min(options.Burst, _tokens + ((now - _refilledAt) * options.Rate / TimeSpan.TicksPerSecond))
            : _tokens;

    /// <summary>Records a refusal; true when it is the <paramref name="strikes"/>-th within <paramref name="blockTicks"/> (the key is then blocked).</summary>
    private bool Strike(long now, int strikes, long blockTicks)
    {
        _lastStrike = now;
        _strikes ??= new long[strikes];
        _strikes[_nextStrike] = now;
        _nextStrike = (_nextStrike + 1) % strikes;
        _strikeCount = Math.Min(_strikeCount + 1, strikes);

        // The ring is full: its oldest entry (the next slot) is the first of the last `strikes` refusals.
        if (_strikeCount < strikes || now - _strikes[_nextStrike] > blockTicks)
        {
            return false;
        }

        BlockedSince = now;
        BlockedUntil = now + blockTicks;
        _strikeCount = 0;
        return true;
    }
}
