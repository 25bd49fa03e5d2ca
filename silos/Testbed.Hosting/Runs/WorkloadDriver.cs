using System.Diagnostics;
using HdrHistogram;
using Testbed.History;
using Testbed.Scenarios;
using Testbed.Services.Payments;

namespace Testbed.Hosting.Runs;

/// <summary>Progress of a running workload.</summary>
public readonly record struct WorkloadProgress(long Completed, long? TargetOperations, TimeSpan Elapsed, TimeSpan? TargetDuration);

/// <summary>Completions in one second of a run (for timelines).</summary>
public sealed record TimelineBucket(int Second, long Ok, long Fail, long Info);

/// <summary>What a workload measured.</summary>
public sealed record WorkloadResult(TimeSpan Elapsed, long Ok, long Fail, long Info, LongConcurrentHistogram LatencyMicros, IReadOnlyList<TimelineBucket> Timeline,
    DateTimeOffset StartedAt);

/// <summary>
/// Drives customers with transfers and balance reads, closed loop (N concurrent clients) or open loop (a fixed arrival
/// rate, latency measured from each operation's intended start so a stall is not hidden). Every choice — which customer,
/// read or transfer, recipient, amount — comes from the scenario's seed. Every operation is recorded in the history as an
/// invoke followed by ok, fail or info. Order ids are <c>&lt;prefix&gt;-&lt;process&gt;-&lt;n&gt;</c> (prefix "o", or "w" for a warm-up phase).
/// </summary>
public sealed class WorkloadDriver(IClusterClient client, WorkloadSpec spec, int seed, History.History history, string orderPrefix = "o")
{
    private readonly Stopwatch _clock = new();
    private readonly LongConcurrentHistogram _latency = new(1, TimeSpan.FromHours(1).Ticks / 10, 3);
    private readonly Lock _timelineGate = new();
    private readonly List<long[]> _timeline = [];
    private long _ok, _fail, _info, _started;

    /// <summary>Runs the workload to its operation count or duration.</summary>
    public async Task<WorkloadResult> RunAsync(IProgress<WorkloadProgress>? progress, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        _clock.Start();
        using var reporter = progress is null ? null : new Timer(_ => progress.Report(Progress()), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        if (spec.Mode == LoadMode.Open)
        {
            await RunOpenLoopAsync(cancellationToken);
        }
        else
        {
            await Task.WhenAll(Enumerable.Range(0, spec.Concurrency).Select(p => RunClientAsync(p, cancellationToken)));
        }

        _clock.Stop();
        progress?.Report(Progress());
        return new WorkloadResult(_clock.Elapsed, _ok, _fail, _info, _latency, Timeline(), startedAt);
    }

    private WorkloadProgress Progress() =>
        new(Interlocked.Read(ref _ok) + Interlocked.Read(ref _fail) + Interlocked.Read(ref _info), spec.Operations, _clock.Elapsed, spec.Duration);

    private bool TryStartOperation()
    {
        if (spec.Operations is { } total)
        {
            return Interlocked.Increment(ref _started) <= total;
        }

        return _clock.Elapsed < spec.Duration!.Value;
    }

    private async Task RunClientAsync(int process, CancellationToken cancellationToken)
    {
        var random = new Random(unchecked(seed * 7919 + process));
        var sequence = 0;
        while (!cancellationToken.IsCancellationRequested && TryStartOperation())
        {
            await ExecuteAsync(process, NextOperation(random, process, sequence++), _clock.Elapsed);
        }
    }

    private async Task RunOpenLoopAsync(CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var interval = TimeSpan.FromSeconds(1 / spec.Rate!.Value);
        var inFlight = new List<Task>();
        for (long n = 0; !cancellationToken.IsCancellationRequested && TryStartOperation(); n++)
        {
            var intended = interval * n;
            var wait = intended - _clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            var process = (int)(n % 1024);
            inFlight.Add(ExecuteAsync(process, NextOperation(random, process, (int)n), intended));
            if (inFlight.Count >= 4096)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
            }
        }

        await Task.WhenAll(inFlight);
    }

    private PlannedOperation NextOperation(Random random, int process, int sequence)
    {
        var customer = random.Next(spec.Customers);
        if (random.NextDouble() < spec.ReadFraction)
        {
            return new PlannedOperation(customer, null);
        }

        var to = random.Next(spec.Accounts - 1);
        if (to >= customer)
        {
            to++;
        }

        var amount = random.NextInt64(1, spec.MaxAmount + 1);
        return new PlannedOperation(customer, new TransferCommand($"{orderPrefix}-{process}-{sequence}", PaymentsOptions.Account(to), amount));
    }

    private async Task ExecuteAsync(int process, PlannedOperation op, TimeSpan intendedStart)
    {
        await Task.Yield();
        var grain = client.GetGrain<ICustomer>(op.Customer.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var order = op.Transfer is { } t
            ? new TransferOrder(t.OrderId, PaymentsOptions.Account(op.Customer), t.To, t.Amount, PaymentsOptions.Customer(op.Customer))
            : null;
        var function = order is null ? OpFunction.Read : OpFunction.Transfer;
        var account = order is null ? PaymentsOptions.Account(op.Customer) : null;
        history.Append(new HistoryOp { Process = process, Type = OpType.Invoke, Function = function, TimeMicros = Micros(), Transfer = order, Account = account });

        OperationOutcome outcome;
        try
        {
            outcome = op.Transfer is { } command ? await grain.Transfer(command) : await grain.ReadBalance();
        }
        catch (Exception ex)
        {
            outcome = new OperationOutcome(OutcomeStatus.Info, $"{ex.GetType().Name}: {ex.Message}", null);
        }

        var latency = _clock.Elapsed - intendedStart;
        _latency.RecordValue(Math.Max(1, latency.Ticks / 10));
        var type = outcome.Status switch { OutcomeStatus.Ok => OpType.Ok, OutcomeStatus.Fail => OpType.Fail, _ => OpType.Info };
        history.Append(new HistoryOp
        {
            Process = process, Type = type, Function = function, TimeMicros = Micros(), Transfer = order, Account = account,
            Balance = outcome.Balance, Error = outcome.Error,
        });
        Count(type);
    }

    private void Count(OpType type)
    {
        var slot = type switch { OpType.Ok => 0, OpType.Fail => 1, _ => 2 };
        switch (slot)
        {
            case 0: Interlocked.Increment(ref _ok); break;
            case 1: Interlocked.Increment(ref _fail); break;
            default: Interlocked.Increment(ref _info); break;
        }

        var second = (int)_clock.Elapsed.TotalSeconds;
        lock (_timelineGate)
        {
            while (_timeline.Count <= second)
            {
                _timeline.Add(new long[3]);
            }

            _timeline[second][slot]++;
        }
    }

    private IReadOnlyList<TimelineBucket> Timeline()
    {
        lock (_timelineGate)
        {
            return _timeline.Select((b, i) => new TimelineBucket(i, b[0], b[1], b[2])).ToArray();
        }
    }

    private long Micros() => _clock.Elapsed.Ticks / 10;

    private sealed record PlannedOperation(int Customer, TransferCommand? Transfer);
}
