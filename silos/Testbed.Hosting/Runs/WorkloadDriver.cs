using System.Diagnostics;
using HdrHistogram;
using Testbed.History;
using Testbed.Scenarios;
using Testbed.Services.Payments;

namespace Testbed.Hosting.Runs;

/// <summary>Progress of a running workload.</summary>
public readonly record struct WorkloadProgress(long Completed, long? TargetOperations, TimeSpan Elapsed, TimeSpan? TargetDuration);

/// <summary>
/// Completions in one second of a run (for timelines), and the p50/p99 latency in milliseconds of the operations that
/// completed in it (HdrHistogram, 3 significant digits; null when none completed).
/// </summary>
public sealed record TimelineBucket(int Second, long Ok, long Fail, long Info, double? P50Ms = null, double? P99Ms = null);

/// <summary>What a workload measured; <paramref name="Retries"/> counts extra attempts of transfers with an indeterminate outcome.</summary>
public sealed record WorkloadResult(TimeSpan Elapsed, long Ok, long Fail, long Info, LongConcurrentHistogram LatencyMicros, IReadOnlyList<TimelineBucket> Timeline,
    DateTimeOffset StartedAt, long Retries = 0);

/// <summary>
/// Drives customers with transfers and balance reads, closed loop (N concurrent clients) or open loop (a fixed arrival
/// rate, latency measured from each operation's intended start so a stall is not hidden). Every choice — which customer,
/// read or transfer, recipient, amount — comes from the scenario's seed. Every operation is recorded in the history as an
/// invoke followed by ok, fail or info. Order ids are <c>&lt;prefix&gt;-&lt;process&gt;-&lt;n&gt;</c> (prefix "o", or "w" for a warm-up phase).
/// A transfer whose outcome is indeterminate is retried with the same order id (<see cref="WorkloadSpec.Retries"/> times,
/// backing off <see cref="RetryBackoff"/>) and recorded once: ok if an attempt was acknowledged, info while still
/// indeterminate, fail only when no attempt was indeterminate (a decline after an indeterminate attempt stays info: the
/// earlier attempt may still take effect).
/// </summary>
public sealed class WorkloadDriver(IClusterClient client, WorkloadSpec spec, int seed, History.History history, string orderPrefix = "o")
{
    private readonly Stopwatch _clock = new();
    private readonly LongConcurrentHistogram _latency = new(1, TimeSpan.FromHours(1).Ticks / 10, 3);
    private readonly Lock _timelineGate = new();
    private readonly List<long[]> _timeline = [];
    private readonly LongHistogram _secondLatency = new(1, TimeSpan.FromHours(1).Ticks / 10, 3); // the second still open
    private readonly List<(double? P50, double? P99)> _closedSeconds = [];
    private long _ok, _fail, _info, _started, _retries;
    private volatile bool _stopping;

    /// <summary>The wait before retry <paramref name="retry"/> (1-based): 25 ms doubling per retry, at most 1 s.</summary>
    public static TimeSpan RetryBackoff(int retry) => TimeSpan.FromMilliseconds(Math.Min(1000, 25 << Math.Clamp(retry - 1, 0, 10)));

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
        return new WorkloadResult(_clock.Elapsed, _ok, _fail, _info, _latency, Timeline(), startedAt, Interlocked.Read(ref _retries));
    }

    /// <summary>
    /// Ends the run gracefully: no new operation starts, and those in flight finish, retries included, so no order is
    /// abandoned between its debit and its credit (payments leaves completing an interrupted order to the customer's
    /// retry with the same order id; cancelling the run's token instead stops the retries too).
    /// </summary>
    public void Stop() => _stopping = true;

    private WorkloadProgress Progress() =>
        new(Interlocked.Read(ref _ok) + Interlocked.Read(ref _fail) + Interlocked.Read(ref _info), spec.Operations, _clock.Elapsed, spec.Duration);

    private bool TryStartOperation()
    {
        if (_stopping)
        {
            return false;
        }

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
            await ExecuteAsync(process, NextOperation(random, process, sequence++), _clock.Elapsed, cancellationToken);
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
            inFlight.Add(ExecuteAsync(process, NextOperation(random, process, (int)n), intended, cancellationToken));
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

    private async Task ExecuteAsync(int process, PlannedOperation op, TimeSpan intendedStart, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var grain = client.GetGrain<ICustomer>(op.Customer.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var order = op.Transfer is { } t
            ? new TransferOrder(t.OrderId, PaymentsOptions.Account(op.Customer), t.To, t.Amount, PaymentsOptions.Customer(op.Customer))
            : null;
        var function = order is null ? OpFunction.Read : OpFunction.Transfer;
        var account = order is null ? PaymentsOptions.Account(op.Customer) : null;
        history.Append(new HistoryOp
        {
            Process = process, Type = OpType.Invoke, Function = function, TimeMicros = Micros(), Transfer = order, Account = account,
            IntendedMicros = spec.Mode == LoadMode.Open ? intendedStart.Ticks / 10 : null,
        });

        var outcome = op.Transfer is { } command
            ? await TransferAsync(grain, command, cancellationToken)
            : await AttemptAsync(grain.ReadBalance);

        var latencyMicros = Math.Max(1, (_clock.Elapsed - intendedStart).Ticks / 10);
        _latency.RecordValue(latencyMicros);
        var type = outcome.Status switch { OutcomeStatus.Ok => OpType.Ok, OutcomeStatus.Fail => OpType.Fail, _ => OpType.Info };
        history.Append(new HistoryOp
        {
            Process = process, Type = type, Function = function, TimeMicros = Micros(), Transfer = order, Account = account,
            Balance = outcome.Balance, Error = outcome.Error,
        });
        Count(type, latencyMicros);
    }

    /// <summary>Orders a transfer, retrying an indeterminate outcome with the same order id; one outcome for the logical order.</summary>
    private async Task<OperationOutcome> TransferAsync(ICustomer customer, TransferCommand command, CancellationToken cancellationToken)
    {
        var outcome = await AttemptAsync(() => customer.Transfer(command));
        for (var retry = 1; outcome.Status == OutcomeStatus.Info && retry <= spec.Retries; retry++)
        {
            try
            {
                await Task.Delay(RetryBackoff(retry), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            Interlocked.Increment(ref _retries);
            var attempt = await AttemptAsync(() => customer.Transfer(command));
            outcome = attempt.Status == OutcomeStatus.Fail
                ? new OperationOutcome(OutcomeStatus.Info, $"retry {retry} declined ({attempt.Error}) after an indeterminate attempt, which may still take effect", null)
                : attempt;
        }

        return outcome;
    }

    private static async Task<OperationOutcome> AttemptAsync(Func<Task<OperationOutcome>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex)
        {
            return new OperationOutcome(OutcomeStatus.Info, $"{ex.GetType().Name}: {ex.Message}", null);
        }
    }

    private void Count(OpType type, long latencyMicros)
    {
        var slot = type switch { OpType.Ok => 0, OpType.Fail => 1, _ => 2 };
        switch (slot)
        {
            case 0: Interlocked.Increment(ref _ok); break;
            case 1: Interlocked.Increment(ref _fail); break;
            default: Interlocked.Increment(ref _info); break;
        }

        lock (_timelineGate)
        {
            // Read under the gate, so seconds only move forward here: a second once left behind is final and summarised.
            var second = (int)_clock.Elapsed.TotalSeconds;
            while (_timeline.Count <= second)
            {
                if (_timeline.Count > 0)
                {
                    _closedSeconds.Add(Percentiles(_secondLatency));
                    _secondLatency.Reset();
                }

                _timeline.Add(new long[3]);
            }

            _timeline[second][slot]++;
            _secondLatency.RecordValue(latencyMicros);
        }
    }

    private IReadOnlyList<TimelineBucket> Timeline()
    {
        lock (_timelineGate)
        {
            var percentiles = _closedSeconds.Append(Percentiles(_secondLatency)).ToArray();
            return _timeline.Select((b, i) => new TimelineBucket(i, b[0], b[1], b[2], percentiles[i].P50, percentiles[i].P99)).ToArray();
        }
    }

    private static (double? P50, double? P99) Percentiles(LongHistogram h) => h.TotalCount == 0
        ? (null, null)
        : (Math.Round(h.GetValueAtPercentile(50) / 1000.0, 3), Math.Round(h.GetValueAtPercentile(99) / 1000.0, 3));

    private long Micros() => _clock.Elapsed.Ticks / 10;

    private sealed record PlannedOperation(int Customer, TransferCommand? Transfer);
}
