using Testbed.Attacks.Api;
using Testbed.Wire;

namespace Testbed.Attacks.Faults.Wire;

/// <summary>
/// <c>reorder</c>: holds a matching message back until <c>after</c> later messages in the fault's scope have
/// passed it, or <c>maxHold</c> (default 100ms) elapsed — so it arrives out of order, as netem's reorder does. Held
/// messages are released when the window closes.
/// </summary>
public sealed class Reorder : WireFault
{
    private readonly Lock _gate = new();
    private readonly List<Held> _held = [];
    private int _after = 1;
    private TimeSpan _maxHold;
    private long _overtaken;

    /// <inheritdoc />
    public override string Kind => "reorder";

    /// <inheritdoc />
    public override string Description => "holds a matching message back until 'after' later ones passed it, or 'maxHold' elapsed";

    /// <summary>Held messages that were released because later ones overtook them (not by the time limit).</summary>
    public long Overtaken => Interlocked.Read(ref _overtaken);

    /// <inheritdoc />
    protected override void ConfigureFault(AttackOptions options)
    {
        _after = options.Integer("after", 1, 1, 100);
        _maxHold = options.Duration("maxHold", TimeSpan.FromMilliseconds(100));
        if (_maxHold <= TimeSpan.Zero || _maxHold > TimeSpan.FromSeconds(30))
        {
            throw new ArgumentException("option 'maxHold' must be in (0, 30s]");
        }
    }

    /// <inheritdoc />
    protected override ValueTask<InterceptDecision> Pass(WireMessage message)
    {
        ReleaseOvertaken();
        return ValueTask.FromResult(InterceptDecision.Pass);
    }

    /// <inheritdoc />
    protected override async ValueTask<InterceptDecision> ActAsync(WireMessage message, CancellationToken cancellationToken)
    {
        ReleaseOvertaken();
        var held = new Held(_after);
        lock (_gate)
        {
            _held.Add(held);
        }

        var released = await Task.WhenAny(held.Released.Task, Task.Delay(_maxHold, Context.Time, cancellationToken));
        if (released == held.Released.Task)
        {
            Interlocked.Increment(ref _overtaken);
        }
        else
        {
            lock (_gate)
            {
                _held.Remove(held);
            }
        }

        return InterceptDecision.Pass;
    }

    /// <inheritdoc />
    protected override void Heal()
    {
        Held[] all;
        lock (_gate)
        {
            all = [.. _held];
            _held.Clear();
        }

        foreach (var held in all)
        {
            held.Released.TrySetResult();
        }
    }

    private void ReleaseOvertaken()
    {
        List<Held>? due = null;
        lock (_gate)
        {
            for (var i = _held.Count - 1; i >= 0; i--)
            {
                if (--_held[i].Remaining <= 0)
                {
                    (due ??= []).Add(_held[i]);
                    _held.RemoveAt(i);
                }
            }
        }

        due?.ForEach(h => h.Released.TrySetResult());
    }

    private sealed class Held(int after)
    {
        public int Remaining { get; set; } = after;

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
