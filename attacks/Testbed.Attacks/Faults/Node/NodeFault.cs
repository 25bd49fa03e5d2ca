using Testbed.Attacks.Api;

namespace Testbed.Attacks.Faults.Node;

/// <summary>
/// A fault on a silo: strikes the silo at position <c>silo</c> (1.., or <c>any</c>: a seeded pick among silos 1..n−1) when
/// the window opens, again <c>every</c> period if given, and undoes each strike after <c>down</c> (kill, stop) or
/// <c>for</c> (pause) — by default half the period, or until the window closes. Silo 0 holds the certificate authority and
/// the client's first gateway: the cluster cannot live without it, so node faults never touch it.
/// </summary>
public abstract class NodeFault : Fault
{
    private int? _position;
    private TimeSpan? _every;
    private TimeSpan? _hold;

    /// <inheritdoc />
    public override string Targets => _position is { } p ? $"silo {p}" : "any silo but 0";

    /// <summary>The option naming how long a strike lasts (null: the strike has no duration, e.g. a restart).</summary>
    protected virtual string? HoldOption => null;

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        var silo = options.Text("silo", "any");
        if (silo != "any")
        {
            _position = int.TryParse(silo, System.Globalization.NumberStyles.None, null, out var p) && p is >= 1 and < 64
                ? p
                : throw new ArgumentException(silo == "0"
                    ? "option 'silo': silo 0 holds the certificate authority and the first gateway; node faults never touch it (use 1.. or any)"
                    : $"option 'silo' must be a silo position 1.. or 'any', found '{silo}'");
        }

        _every = options.Duration("every", TimeSpan.Zero) is var every && every > TimeSpan.Zero ? every : null;
        if (HoldOption is { } hold)
        {
            _hold = options.Duration(hold, TimeSpan.Zero) is var h && h > TimeSpan.Zero ? h : null;
            if (_hold is not null && _every is not null && _hold >= _every)
            {
                throw new ArgumentException($"option '{hold}' ({_hold.Value.TotalMilliseconds}ms) must be shorter than 'every' ({_every.Value.TotalMilliseconds}ms)");
            }
        }
    }

    /// <inheritdoc />
    public override string? CheckCluster(int silos) => silos < 2
        ? $"{Kind} needs at least 2 silos: silo 0 is never touched"
        : _position >= silos ? $"silo {_position} does not exist: the cluster has {silos} silos (positions 0..{silos - 1})" : null;

    /// <summary>Strikes the silo at <paramref name="position"/>; returns how to undo it, or null when there is nothing to undo.</summary>
    protected abstract Task<Func<Task>?> StrikeAsync(FaultContext context, int position);

    /// <inheritdoc />
    public override async Task RunAsync(FaultContext context, CancellationToken windowClosed)
    {
        // An undo (a replacement silo booting) runs while the next cycle waits, so that the strikes keep their cadence even
        // where a silo takes longer to start than 'every' (a process on two busy cores: several seconds). One undo at a time.
        var undoing = Task.CompletedTask;
        try
        {
            await StrikeLoopAsync(context, windowClosed, () => undoing, next => undoing = next);
        }
        finally
        {
            await Settled(context, undoing);
        }

        await WaitAsync(context, Timeout.InfiniteTimeSpan, windowClosed);
    }

    private async Task StrikeLoopAsync(FaultContext context, CancellationToken windowClosed, Func<Task> undoing, Action<Task> setUndoing)
    {
        do
        {
            var cycle = context.Time.GetTimestamp();
            if (Pick(context) is { } position)
            {
                var undo = await StrikeAsync(context, position);
                context.Count();
                if (undo is not null)
                {
                    await WaitAsync(context, _hold ?? (_every / 2) ?? Timeout.InfiniteTimeSpan, windowClosed);
                    await Settled(context, undoing());
                    setUndoing(undo());
                }
            }
            else
            {
                context.Record("no silo to strike");
            }

            if (_every is not { } every)
            {
                break;
            }

            await WaitAsync(context, every - context.Time.GetElapsedTime(cycle), windowClosed);
        }
        while (!windowClosed.IsCancellationRequested);
    }

    /// <summary>Waits for an undo; its failure (a replacement that did not start) is recorded, and the next strike's undo still runs.</summary>
    private static async Task Settled(FaultContext context, Task undo)
    {
        try
        {
            await undo;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            context.RecordError("undo", ex);
        }
    }

    private int? Pick(FaultContext context)
    {
        var count = context.Nodes.SiloCount;
        if (count < 2)
        {
            return null;
        }

        return _position is { } p ? Math.Min(p, count - 1) : 1 + (int)(context.Next() * (count - 1));
    }

    private static async Task WaitAsync(FaultContext context, TimeSpan wait, CancellationToken windowClosed)
    {
        if (wait <= TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            return;
        }

        try
        {
            await Task.Delay(wait, context.Time, windowClosed);
        }
        catch (OperationCanceledException) when (windowClosed.IsCancellationRequested)
        {
        }
    }
}
