using System.Globalization;
using Testbed.Attacks.Api;
using Testbed.Scenarios;

namespace Testbed.Attacks.Faults.Clock;

/// <summary>
/// <c>clock-skew</c>: while the window is open, the services of silo <c>silo</c> (a position, or <c>all</c>, the default)
/// read a clock that is off by <c>offset</c> (a signed duration: <c>-3s</c>, <c>250ms</c>) and drifts by <c>drift</c>
/// seconds per second (e.g. 0.01). Timestamps, replay windows, rekey timers and rate limiters on that silo all see it.
/// The clocks are reset when the window closes. Unlike node faults it may skew silo 0: a wrong clock does not kill it.
/// </summary>
public sealed class ClockSkew : Fault
{
    private int? _position;
    private TimeSpan _offset;
    private double _drift;

    /// <inheritdoc />
    public override string Kind => "clock-skew";

    /// <inheritdoc />
    public override string Description => "skews the clock a silo's services read by 'offset', drifting by 'drift' seconds per second";

    /// <inheritdoc />
    public override string Targets => _position is { } p ? $"silo {p}" : "all silos";

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        var silo = options.Text("silo", "all");
        if (silo != "all")
        {
            _position = int.TryParse(silo, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p < 64
                ? p
                : throw new ArgumentException($"option 'silo' must be a silo position 0.. or 'all', found '{silo}'");
        }

        var offset = options.Text("offset", "0s");
        var negative = offset.StartsWith('-');
        _offset = ScenarioDuration.TryParse(negative ? offset[1..] : offset, out var magnitude) && magnitude <= TimeSpan.FromDays(1)
            ? negative ? -magnitude : magnitude
            : throw new ArgumentException($"option 'offset' must be a signed duration up to 1 day such as -3s or 250ms, found '{offset}'");
        _drift = options.Number("drift", 0, -0.5, 0.5);
        if (_offset == TimeSpan.Zero && _drift == 0)
        {
            throw new ArgumentException("clock-skew needs a non-zero 'offset' or 'drift'");
        }
    }

    /// <inheritdoc />
    public override string? CheckCluster(int silos) =>
        _position >= silos ? $"silo {_position} does not exist: the cluster has {silos} silos (positions 0..{silos - 1})" : null;

    /// <inheritdoc />
    public override async Task RunAsync(FaultContext context, CancellationToken windowClosed)
    {
        var positions = Enumerable.Range(0, context.Nodes.SiloCount).Where(i => _position is null || i == _position).ToArray();
        var resets = new List<IAsyncDisposable>();
        try
        {
            foreach (var position in positions)
            {
                var name = context.Nodes.SiloName(position);
                resets.Add(await context.Nodes.SkewClockAsync(position, _offset, _drift));
                context.Count();
                context.Record($"skew {name} by {_offset.TotalMilliseconds:0}ms, drift {_drift.ToString(CultureInfo.InvariantCulture)} s/s");
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, context.Time, windowClosed);
        }
        catch (OperationCanceledException) when (windowClosed.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var reset in resets)
            {
                try
                {
                    await reset.DisposeAsync();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    context.RecordError("reset", ex); // e.g. the silo was killed meanwhile: its clock went with it
                }
            }

            context.Record("clocks reset");
        }
    }
}
