namespace Testbed.Time;

/// <summary>
/// The clock every time-dependent part of a silo's Testbed services reads (service timestamps, replay windows, session
/// rekey timers, rate limiters, revocation polling, the CA's records): the run's base clock plus a skew that fault
/// injection can set — a constant offset and a drift rate — as a per-silo <see cref="TimeProvider"/>.
/// Only wall-clock readings (<see cref="GetUtcNow"/>) are skewed; timers and the monotonic timestamp follow the base
/// clock, as a skewed NTP clock does not make a sleeping thread wake sooner. Orleans' own runtime (membership, timeouts)
/// does not read this clock: skew is applied to the services under test, not to the cluster's failure detector.
/// </summary>
public sealed class ServiceClock : TimeProvider
{
    private readonly TimeProvider _base;
    private readonly Lock _gate = new();
    private Skew _skew = Skew.None;

    /// <summary>Creates a clock that follows <paramref name="baseClock"/> (the system clock when null) with no skew.</summary>
    public ServiceClock(TimeProvider? baseClock = null) => _base = baseClock ?? System;

    /// <summary>
    /// The clock a silo's Testbed components use: its <see cref="ServiceClock"/> when one is registered, else a registered
    /// <see cref="TimeProvider"/>, else the system clock.
    /// </summary>
    public static TimeProvider Resolve(IServiceProvider services) =>
        (TimeProvider?)services.GetService(typeof(ServiceClock)) ?? (TimeProvider?)services.GetService(typeof(TimeProvider)) ?? System;

    /// <summary>The skew now applied (zero when none).</summary>
    public TimeSpan CurrentOffset => Current(_base.GetUtcNow());

    /// <summary>
    /// Sets the skew from now on: readings are off by <paramref name="offset"/> plus <paramref name="driftPerSecond"/>
    /// seconds for every second that passes from now (e.g. 0.01 = gains 10 ms per second; negative = loses).
    /// </summary>
    public void SetSkew(TimeSpan offset, double driftPerSecond = 0)
    {
        if (!double.IsFinite(driftPerSecond) || Math.Abs(driftPerSecond) >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(driftPerSecond), driftPerSecond, "drift must be a finite rate in (-1, 1)");
        }

        lock (_gate)
        {
            _skew = new Skew(offset, driftPerSecond, _base.GetUtcNow());
        }
    }

    /// <summary>Removes any skew.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _skew = Skew.None;
        }
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        var now = _base.GetUtcNow();
        return now + Current(now);
    }

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => _base.LocalTimeZone;

    /// <inheritdoc />
    public override long TimestampFrequency => _base.TimestampFrequency;

    /// <inheritdoc />
    public override long GetTimestamp() => _base.GetTimestamp();

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _base.CreateTimer(callback, state, dueTime, period);

    private TimeSpan Current(DateTimeOffset now)
    {
        var skew = Volatile.Read(ref _skew);
        return skew.Drift == 0 ? skew.Offset : skew.Offset + TimeSpan.FromTicks((long)((now - skew.Since).Ticks * skew.Drift));
    }

    private sealed record Skew(TimeSpan Offset, double Drift, DateTimeOffset Since)
    {
        public static readonly Skew None = new(TimeSpan.Zero, 0, DateTimeOffset.MinValue);
    }
}
