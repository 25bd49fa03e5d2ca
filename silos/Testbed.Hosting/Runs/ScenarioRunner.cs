using Testbed.Attacks.Api;
using Testbed.Attacks.Faults;
using Testbed.Checking;
using Testbed.Defenses;
using Testbed.Hosting.Cluster;
using Testbed.Scenarios;
using Testbed.Services.Payments;
using Testbed.Wire;

namespace Testbed.Hosting.Runs;

/// <summary>Phase of a run, for progress display.</summary>
public enum RunPhase { Starting, Running, Checking, Done }

/// <summary>Progress of a scenario run.</summary>
public readonly record struct RunProgress(string Scenario, RunPhase Phase, WorkloadProgress Workload);

/// <summary>Extra knobs for a run (tests use them to attach wire hooks).</summary>
public sealed class RunOptions
{
    /// <summary>Where silo processes write their logs (<c>silo-N.log</c>); default: a fresh folder under the temp directory.</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Called after the cluster starts and before the workload: attach taps and interceptors here.</summary>
    public Action<EmbeddedCluster>? OnClusterStarted { get; init; }

    /// <summary>
    /// Operations to run before the measured workload, on the same cluster and into the same history (so the checker
    /// judges them too) but outside goodput and latency: sessions, keys and JIT are warm when measuring starts.
    /// </summary>
    public int WarmupOperations { get; init; }

    /// <summary>Called after the workload and before the final state is read (e.g. a late injection).</summary>
    public Func<Task>? BeforeFinalRead { get; init; }

    /// <summary>The attacks the run's adversary grains can be armed with (default: the built-in ones).</summary>
    public AttackCatalog Attacks { get; init; } = AttackCatalog.Builtin;

    /// <summary>Orleans transport TLS between the run's silos and client (null: none), see <see cref="EmbeddedClusterOptions.TransportTls"/>.</summary>
    public TransportTlsOptions? TransportTls { get; init; }

    /// <summary>Called right before the measured workload starts (after any warm-up): e.g. to read CPU and allocation counters.</summary>
    public Action? OnWorkloadStarting { get; init; }

    /// <summary>Called right after the measured workload completes, before anything else happens.</summary>
    public Action? OnWorkloadCompleted { get; init; }

    /// <summary>Serve Orleans' dashboard of the run's cluster on 127.0.0.1 at this port while the run lasts (null: none).</summary>
    public int? DashboardPort { get; init; }

    /// <summary>Hears the dashboard's address once it serves (e.g. to print it).</summary>
    public Action<Uri>? OnDashboard { get; init; }
}

/// <summary>
/// Runs one scenario: starts an embedded cluster shaped by the scenario, arms one adversary grain per attack, drives the
/// workload (opening the attacks' windows as it starts), reads the final state out of band, checks the history, has the
/// adversaries judge their attempts against it, and judges the expectations.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>Runs <paramref name="scenario"/> on a fresh embedded cluster.</summary>
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, RunOptions? options = null, IProgress<RunProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var started = DateTimeOffset.UtcNow;
        var w = scenario.Workload;
        progress?.Report(new RunProgress(scenario.Name, RunPhase.Starting, default));
        var defenses = DefenseCatalog.Resolve(scenario.DefenseSpecs);
        await using var cluster = await RunClusters.StartAsync(scenario, defenses, options, cancellationToken);
        if (options?.OnClusterStarted is { } onStarted)
        {
            onStarted(cluster is EmbeddedRunCluster embedded
                ? embedded.Cluster
                : throw new ArgumentException($"OnClusterStarted needs an embedded cluster; the scenario runs in {scenario.Cluster.Mode} mode", nameof(options)));
        }

        await using var dashboard = options?.DashboardPort is { } port
            ? await Cluster.Dashboard.RunDashboard.StartAsync(cluster.Client, port, cancellationToken)
            : null;
        if (dashboard is not null)
        {
            options!.OnDashboard?.Invoke(dashboard.Address);
        }

        var adversaries = await RunAdversaries.ArmAsync(cluster, scenario);
        var faults = RunFaults.Create(scenario, cluster);

        var history = new History.History();
        var driver = new WorkloadDriver(cluster.Client, w, scenario.Seed, history);
        var workloadProgress = progress is null ? null : new Progress<WorkloadProgress>(p => progress.Report(new RunProgress(scenario.Name, RunPhase.Running, p)));
        using var runEnded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var faultsRunning = false;
        try
        {
            if (options?.WarmupOperations > 0)
            {
                var warmup = w with { Operations = options.WarmupOperations, Duration = null };
                await new WorkloadDriver(cluster.Client, warmup, unchecked(scenario.Seed + 1), history, orderPrefix: "w").RunAsync(null, cancellationToken);
            }

            faultsRunning = true;
            await faults.StartAsync(runEnded.Token);
            await adversaries.OpenAsync(TimeProvider.System.GetUtcNow());
            options?.OnWorkloadStarting?.Invoke();
            var workload = await driver.RunAsync(workloadProgress, cancellationToken);
            options?.OnWorkloadCompleted?.Invoke();
            await runEnded.CancelAsync();
            await faults.StopAsync(); // faults revert here: partitions heal, paused silos resume, killed silos are replaced
            faultsRunning = false;
            await adversaries.CloseAsync();
            if (options?.BeforeFinalRead is { } beforeFinalRead)
            {
                await beforeFinalRead();
            }

            progress?.Report(new RunProgress(scenario.Name, RunPhase.Checking, default));
            var finalState = await ReadFinalStateAsync(cluster.Client, w.Accounts);
            var ops = history.Snapshot();
            var report = HistoryChecker.Check(ops, finalState);
            var records = await cluster.RecordsAsync();
            var attacks = await adversaries.ConcludeAsync(records, report, ops, finalState, workload.StartedAt);
            progress?.Report(new RunProgress(scenario.Name, RunPhase.Done, default));
            return Judge(scenario, started, workload, report, records, ops, defenses, attacks, await faults.ConcludeAsync(), cluster);
        }

        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Keep what was recorded: the history so far is written out with the error.
            var records = await RecordsOrNullAsync(cluster);
            return Crashed(scenario, started, ex, history.Snapshot(), records?.Wire, cluster.Storage) with { Cluster = cluster.Summary };
        }
        finally
        {
            if (faultsRunning)
            {
                // The run failed or was cancelled mid-window: faults revert (a replacement finishes booting) before the
                // cluster is torn down, so nothing they start comes up after it.
                await runEnded.CancelAsync();
                await faults.StopAsync().WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>The result of a run that could not complete: failed, with the error and whatever history was recorded.</summary>
    public static ScenarioResult Crashed(Scenario scenario, DateTimeOffset started, Exception error, IReadOnlyList<History.HistoryOp> ops, WireSummary? wire,
        StorageSummary? storage = null) => new()
    {
        Name = scenario.Name,
        Description = scenario.Description,
        Seed = scenario.Seed,
        Passed = false,
        Error = $"{error.GetType().Name}: {error.Message}",
        Source = scenario.SourcePath,
        Silos = scenario.Cluster.Silos,
        StartedAt = started,
        DurationMs = (DateTimeOffset.UtcNow - started).TotalMilliseconds,
        GoodputPerSec = 0,
        LatencyMs = new LatencySummary(0, 0, 0, 0),
        Operations = new OperationCounts(ops.Count(o => o.Type == History.OpType.Invoke), ops.Count(o => o.Type == History.OpType.Ok), ops.Count(o => o.Type == History.OpType.Fail), ops.Count(o => o.Type == History.OpType.Info)),
        Invariants = [],
        Expectations = [new ExpectationResult("run completes", false, error.Message)],
        Defenses = scenario.Defenses,
        Attacks = [],
        Faults = [],
        Wire = wire ?? WireSummary.None,
        Storage = storage ?? StorageSummary.Of(scenario.Cluster.Storage, null),
        Timeline = [],
        History = ops,
    };

    /// <summary>
    /// One account's state, read again when the silo it was on has just died: where silos are processes, membership takes
    /// about two seconds to declare a SIGKILLed silo dead, and until then a call to a grain that lived there times out. The
    /// state is durable; only the activation is gone.
    /// </summary>
    private static async Task<AccountSnapshot> SnapshotAsync(IAccountAudit account)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await account.Snapshot();
            }
            catch (Exception ex) when (attempt < 6 && ex is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        }
    }

    /// <summary>Reads every account's balance and applied entries (out of band, not over the wire).</summary>
    public static async Task<IReadOnlyList<AccountState>> ReadFinalStateAsync(IClusterClient client, int accounts)
    {
        var states = new AccountState[accounts];
        const int batch = 256;
        for (var start = 0; start < accounts; start += batch)
        {
            var tasks = Enumerable.Range(start, Math.Min(batch, accounts - start))
                .Select(i => SnapshotAsync(client.GetGrain<IAccountAudit>(i.ToString(System.Globalization.CultureInfo.InvariantCulture))))
                .ToArray();
            var snapshots = await Task.WhenAll(tasks);
            for (var j = 0; j < snapshots.Length; j++)
            {
                var s = snapshots[j];
                states[start + j] = new AccountState(s.Account, s.Owner, s.InitialBalance, s.Balance,
                    s.Entries.Select(e => new AppliedEntry(e.OrderId, e.IsDebit ? EntryDirection.Debit : EntryDirection.Credit, e.Amount, e.Counterparty, e.OrderedBy)).ToArray());
            }
        }

        return states;
    }

    /// <summary>The silos' records after a failure, or null when they cannot be had either.</summary>
    private static async Task<RunRecords?> RecordsOrNullAsync(IRunCluster cluster)
    {
        try
        {
            return await cluster.RecordsAsync().WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }
    }

    private static ScenarioResult Judge(Scenario scenario, DateTimeOffset started, WorkloadResult workload, CheckReport report, RunRecords records,
        IReadOnlyList<History.HistoryOp> ops, DefenseSetup defenses, IReadOnlyList<AttackResult> attacks, IReadOnlyList<FaultResult> faults, IRunCluster cluster)
    {
        var events = records.Events;
        var seconds = Math.Max(workload.Elapsed.TotalSeconds, 1e-9);
        var goodput = workload.Ok / seconds;
        var h = workload.LatencyMicros;
        var latency = h.TotalCount == 0
            ? new LatencySummary(0, 0, 0, 0)
            : new LatencySummary(h.GetValueAtPercentile(50) / 1000.0, h.GetValueAtPercentile(90) / 1000.0, h.GetValueAtPercentile(99) / 1000.0, h.GetValueAtPercentile(100) / 1000.0);

        var expectations = new List<ExpectationResult>();
        foreach (var name in scenario.Expect.Invariants)
        {
            var verdict = report.Invariants.FirstOrDefault(i => i.Name == name);
            expectations.Add(verdict is null
                ? new ExpectationResult($"invariant {name}", false, "the checker has no such invariant")
                : new ExpectationResult($"invariant {name}", verdict.Holds, verdict.Holds ? "holds" : verdict.Counterexamples.FirstOrDefault() ?? "violated"));
        }

        foreach (var name in scenario.Expect.Violated)
        {
            var verdict = report.Invariants.FirstOrDefault(i => i.Name == name);
            expectations.Add(new ExpectationResult($"invariant {name} violated", verdict is { Holds: false },
                verdict is null ? "the checker has no such invariant" : verdict.Holds ? "it held" : verdict.Counterexamples.FirstOrDefault() ?? "violated"));
        }

        expectations.AddRange(scenario.Expect.Attacks.Select(expected => ExpectationJudge.Attack(expected, attacks)));

        expectations.Add(new ExpectationResult("minGoodput", goodput >= scenario.Expect.MinGoodput,
            $"{goodput:F1} ops/s (minimum {scenario.Expect.MinGoodput:F1})"));
        if (scenario.Expect.MaxP99Ms is { } maxP99)
        {
            expectations.Add(new ExpectationResult("maxP99Ms", latency.P99 <= maxP99, $"p99 {latency.P99:F2} ms (maximum {maxP99:F2})"));
        }

        if (scenario.Expect.MinP50Ms is { } minP50)
        {
            expectations.Add(new ExpectationResult("minP50Ms", latency.P50 >= minP50, $"p50 {latency.P50:F2} ms (minimum {minP50:F2})"));
        }

        var securityEvents = new SecurityEventSummary(events.Count, events.CountsByLayer());
        if (scenario.Expect.SecurityEvents is { } expectedEvents)
        {
            expectations.Add(new ExpectationResult($"securityEvents {expectedEvents.Condition}", expectedEvents.Holds(securityEvents.Total),
                $"{securityEvents.Total} security events"));
        }

        expectations.AddRange(scenario.Expect.SecurityEventsBy.Select(expected => ExpectationJudge.Events(expected, securityEvents)));
        if (scenario.Expect.MaxSecurityEvents is { } maxEvents)
        {
            var worst = securityEvents.ByLayer.SelectMany(l => l.Value.Select(r => $"{l.Key}/{r.Key} ×{r.Value}")).FirstOrDefault();
            expectations.Add(new ExpectationResult("maxSecurityEvents", securityEvents.Total <= maxEvents,
                $"{securityEvents.Total} security events (maximum {maxEvents})" + (worst is null ? "" : $", e.g. {worst}")));
        }

        expectations.AddRange(scenario.Expect.Faults.Select(expected => ExpectationJudge.Fault(expected, faults)));
        expectations.AddRange(ExpectationJudge.Implied(scenario, attacks, faults));

        return new ScenarioResult
        {
            Name = scenario.Name,
            Description = scenario.Description,
            Seed = scenario.Seed,
            Passed = expectations.All(e => e.Passed),
            Source = scenario.SourcePath,
            Silos = scenario.Cluster.Silos,
            StartedAt = started,
            DurationMs = workload.Elapsed.TotalMilliseconds,
            GoodputPerSec = goodput,
            LatencyMs = latency,
            Operations = new OperationCounts(report.Stats.Invocations, workload.Ok, workload.Fail, workload.Info, workload.Retries),
            Invariants = report.Invariants.Select(ScenarioResult.Verdict).ToArray(),
            Expectations = expectations,
            Preset = defenses.Preset,
            Defenses = defenses.Layers,
            SecurityEvents = securityEvents,
            Attacks = attacks,
            Faults = faults,
            Detections = Detection.From(events.Events, workload.StartedAt),
            Wire = records.Wire,
            Storage = cluster.Storage,
            Cluster = cluster.Summary,
            Timeline = workload.Timeline,
            Scripts = ScriptRecord.Of(scenario),
            History = ops,
        };
    }
}
