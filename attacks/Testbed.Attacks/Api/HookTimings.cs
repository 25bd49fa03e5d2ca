using System.Diagnostics;

namespace Testbed.Attacks.Api;

/// <summary>
/// A synchronous hook of an attack or a fault that held the wire longer than <see cref="ThresholdMs"/> at least once:
/// <paramref name="Hook"/> (<c>observe</c>, <c>intercept</c>; <c>act</c>, <c>pass</c> for a wire fault), how many calls were
/// that slow, and the slowest call in milliseconds. In result.json as <c>slowHooks [{hook, count, worstMs}]</c>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SlowHook(
    [property: Id(0)] string Hook,
    [property: Id(1)] long Count,
    [property: Id(2)] double WorstMs)
{
    /// <summary>
    /// A hook call slower than this (5 ms) counts as slow: far above what a hook that only looks at a message and decides
    /// needs (microseconds), and below the wire's own latencies under load, so it flags blocking calls — a sleep, a
    /// synchronous wait on I/O or on a task — rather than scheduling noise.
    /// </summary>
    public const double ThresholdMs = 5;
}

/// <summary>
/// Times the synchronous hooks of one attack or fault: the wire thread that calls a hook waits for it (a tap's
/// <c>OnObserved</c>, an interceptor's <c>OnIntercepted</c>, a wire fault's act up to the <see cref="ValueTask"/> it returns),
/// so a hook that blocks slows every message behind it. Per hook: the calls that took longer than <see cref="SlowHook.ThresholdMs"/>
/// and the slowest one. Two <see cref="Stopwatch.GetTimestamp"/> reads per call; nothing allocated, nothing shared is
/// written unless the call was slow; thread-safe (hooks run concurrently on wire threads). A slow hook is reported, it
/// does not fail a run.
/// </summary>
internal sealed class HookTimings
{
    private static readonly long SlowTicks = (long)(Stopwatch.Frequency * SlowHook.ThresholdMs / 1000);

    private readonly string[] _hooks;
    private readonly long[] _slow;
    private readonly long[] _worstTicks;

    /// <summary>Timings of the hooks named <paramref name="hooks"/>; a hook is addressed by its position.</summary>
    public HookTimings(params string[] hooks)
    {
        _hooks = hooks;
        _slow = new long[hooks.Length];
        _worstTicks = new long[hooks.Length];
    }

    /// <summary>The timestamp a call starts at (pass it to <see cref="Stop"/>).</summary>
    public static long Start() => Stopwatch.GetTimestamp();

    /// <summary>Records the call of hook <paramref name="hook"/> that started at <paramref name="started"/> and returns now.</summary>
    public void Stop(int hook, long started)
    {
        var elapsed = Stopwatch.GetTimestamp() - started;
        if (elapsed <= SlowTicks)
        {
            return;
        }

        Interlocked.Increment(ref _slow[hook]);
        var worst = Volatile.Read(ref _worstTicks[hook]);
        while (elapsed > worst)
        {
            var seen = Interlocked.CompareExchange(ref _worstTicks[hook], elapsed, worst);
            if (seen == worst)
            {
                break;
            }

            worst = seen;
        }
    }

    /// <summary>The hooks that were slow at least once, in the order they were named (empty when none was).</summary>
    public SlowHook[] Slow()
    {
        var slow = new List<SlowHook>();
        for (var i = 0; i < _hooks.Length; i++)
        {
            var count = Interlocked.Read(ref _slow[i]);
            if (count > 0)
            {
                var worstMs = Interlocked.Read(ref _worstTicks[i]) * 1000.0 / Stopwatch.Frequency;
                slow.Add(new SlowHook(_hooks[i], count, Math.Round(worstMs, 3)));
            }
        }

        return [.. slow];
    }
}
