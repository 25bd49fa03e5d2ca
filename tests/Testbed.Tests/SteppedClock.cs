using Microsoft.Extensions.Time.Testing;

namespace Testbed.Tests;

/// <summary>
/// Fake time that knows its timers. Code under test parks on a timer (a delay, a window, a grace period); the test waits
/// for that event — the timer's creation, not a sleep — and then moves the clock exactly as far as it means to. Nothing
/// the test asserts depends on how fast the machine is: only order and counts, on this clock.
/// </summary>
/// <remarks>
/// Waiting has one real-time guard, <see cref="Patience"/>: it turns a hang (code that never parks on the timer the test
/// expects) into a failure naming what was awaited. It bounds nothing the test measures.
/// </remarks>
internal sealed class SteppedClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    /// <summary>How long a wait for code under test gives up after (real time): a hang guard, not an expectation.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly Lock _gate = new();
    private readonly List<Tracked> _timers = [];
    private TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A clock at 2025-01-01 00:00 UTC.</summary>
    public SteppedClock()
        : this(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>The due times of every timer created on this clock so far, in creation order.</summary>
    public IReadOnlyList<TimeSpan> DueTimes
    {
        get
        {
            lock (_gate)
            {
                return _timers.Select(t => t.Due).ToArray();
            }
        }
    }

    /// <summary>How many timers were created so far.</summary>
    public int Created
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count;
            }
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var tracked = new Tracked(this, dueTime);
        tracked.Inner = base.CreateTimer(callback, state, dueTime, period);
        TaskCompletionSource created;
        lock (_gate)
        {
            _timers.Add(tracked);
            created = _created;
            _created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        created.TrySetResult();
        return tracked;
    }

    /// <summary>How many timers due <paramref name="due"/> after their creation were created so far.</summary>
    public int Count(TimeSpan due)
    {
        lock (_gate)
        {
            return _timers.Count(t => t.Due == due);
        }
    }

    /// <summary>Waits until <paramref name="count"/> timers due <paramref name="due"/> after creation exist (or <paramref name="unless"/> ended).</summary>
    public Task WaitForTimersAsync(TimeSpan due, int count, Task? unless = null) =>
        WaitForAsync(() => Count(due) >= count, unless, $"{count} timer(s) of {due.TotalMilliseconds} ms (created: {Describe()})");

    /// <summary>Waits until more than <paramref name="created"/> timers were created (or <paramref name="unless"/> ended).</summary>
    public Task WaitForTimerAfterAsync(int created, Task? unless = null) =>
        WaitForAsync(() => Created > created, unless, $"a timer after the first {created} (created: {Describe()})");

    /// <summary>
    /// Runs <paramref name="running"/> to completion on this clock: whenever the code under test has parked on a new timer,
    /// moves the clock to the earliest pending timer's due time (firing it, and any due with it), and again, until it ends.
    /// Code that only ever waits on timers it created, one new timer per step, advances exactly as it would in real time.
    /// </summary>
    public async Task DriveAsync(Task running)
    {
        var seen = 0;
        while (!running.IsCompleted)
        {
            await WaitForTimerAfterAsync(seen, running);
            if (running.IsCompleted)
            {
                break;
            }

            seen = Created;
            if (NextDue() is { } next)
            {
                Advance(next - GetUtcNow());
            }
        }

        await running;
    }

    private DateTimeOffset? NextDue()
    {
        var now = GetUtcNow();
        lock (_gate)
        {
            return _timers.Where(t => t.DueAt is { } at && at > now).Select(t => t.DueAt).Min();
        }
    }

    private string Describe()
    {
        lock (_gate)
        {
            return _timers.Count == 0 ? "none" : string.Join(", ", _timers.Select(t => $"{t.Due.TotalMilliseconds} ms"));
        }
    }

    private async Task WaitForAsync(Func<bool> done, Task? unless, string what)
    {
        using var patience = new CancellationTokenSource();
        var guard = Task.Delay(Patience, patience.Token);
        try
        {
            while (true)
            {
                Task next;
                lock (_gate)
                {
                    if (done() || unless is { IsCompleted: true })
                    {
                        return;
                    }

                    next = _created.Task;
                }

                if (await Task.WhenAny(next, unless ?? next, guard) == guard && !done() && unless is not { IsCompleted: true })
                {
                    throw new TimeoutException($"gave up after {Patience.TotalSeconds} s waiting for {what}");
                }
            }
        }
        finally
        {
            await patience.CancelAsync();
        }
    }

    /// <summary>A timer of this clock that remembers when it is due, for <see cref="NextDue"/>.</summary>
    /// <remarks>Only the first due time of a periodic timer is known: no code this clock drives uses one.</remarks>
    private sealed class Tracked(SteppedClock clock, TimeSpan due) : ITimer
    {
        private readonly Lock _gate = new();
        private DateTimeOffset? _dueAt = due == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + due;

        public ITimer Inner { get; set; } = null!;

        public TimeSpan Due { get; } = due;

        public DateTimeOffset? DueAt
        {
            get
            {
                lock (_gate)
                {
                    return _dueAt;
                }
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_gate)
            {
                _dueAt = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime;
            }

            return Inner.Change(dueTime, period);
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _dueAt = null;
            }

            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
