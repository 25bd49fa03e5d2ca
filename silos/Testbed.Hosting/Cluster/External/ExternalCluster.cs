using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using Testbed.Hosting.Cluster.Agents;
using Testbed.Hosting.Cluster.Processes;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;

namespace Testbed.Hosting.Cluster.External;

/// <summary>How to join an <see cref="ExternalCluster"/>.</summary>
public sealed class ExternalClusterOptions
{
    /// <summary>The scenario whose services and defenses the silos switch to.</summary>
    public required Scenario Scenario { get; init; }

    /// <summary>The cluster's Redis (membership, storage, run board).</summary>
    public required string Redis { get; init; }

    /// <summary>The Orleans cluster id of the running silos.</summary>
    public required string ClusterId { get; init; }

    /// <summary>The Orleans service id of the silos (default: the cluster id, as <c>testbed silo</c> defaults it).</summary>
    public string? ServiceId { get; init; }

    /// <summary>Membership timing the silos switch to for the run.</summary>
    public MembershipSpec Membership { get; init; } = MembershipSpec.Fast;

    /// <summary>How long a grain call may take before the caller sees a timeout.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Active silos to wait for before the run begins (it uses every active silo).</summary>
    public int Silos { get; init; } = 1;

    /// <summary>How long to wait for <see cref="Silos"/> active silos (an orchestrator may still be starting them).</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The silos add the silo side of Orleans' dashboard for the run.</summary>
    public bool Dashboard { get; init; }

    /// <summary>How long the silos may take to switch to the run.</summary>
    public TimeSpan SwitchTimeout { get; init; } = TimeSpan.FromSeconds(120);
}

/// <summary>
/// A running cluster of <c>testbed silo</c> processes someone else started (compose, another machine), joined through
/// its Redis. Nothing is started or stopped here: the runner posts the run on the cluster's <see cref="RunBoard"/>, asks
/// every active silo to switch to it (each restarts its Orleans host in place, with the run's services and a fresh
/// state prefix), waits until all serve it, and drives them through their agents. The silo whose address sorts first is
/// position 0: the authority and the adversaries live there, and node faults never strike it.
/// </summary>
public sealed class ExternalCluster : ISiloFleet
{
    private readonly ExternalClusterOptions _options;
    private readonly Lock _gate = new();
    private readonly List<FleetSilo> _running = [];
    private readonly List<FleetSilo> _all = [];
    private readonly Dictionary<string, int> _pids = new(StringComparer.Ordinal);
    private readonly List<string> _events = [];
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private IHost? _client;
    private MembershipWatch? _membership;
    private FleetRecords? _records;
    private ConnectionMultiplexer? _board;
    private bool _holdsBoard;
    private Task _leaseRenewal = Task.CompletedTask;
    private readonly CancellationTokenSource _stopRenewing = new();

    private ExternalCluster(ExternalClusterOptions options, string runId)
    {
        _options = options;
        RunId = runId;
    }

    /// <summary>The run's id: its grain state lives under <c>{service id}/run-{id}</c>.</summary>
    public string RunId { get; }

    /// <summary>The Orleans service id.</summary>
    public string ServiceId => _options.ServiceId ?? _options.ClusterId;

    /// <inheritdoc />
    public IClusterClient Client => _client?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("not joined");

    /// <inheritdoc />
    public IReadOnlyList<FleetSilo> Running
    {
        get
        {
            lock (_gate)
            {
                return _running.ToArray();
            }
        }
    }

    /// <inheritdoc />
    public Func<FleetSilo, Task>? SiloStarted { get; set; }

    /// <summary>What happened to the cluster, stamped with the time since the run joined it.</summary>
    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToArray();
            }
        }
    }

    /// <summary>Joins the cluster and switches every active silo to the run; throws <see cref="ExternalClusterException"/> when it cannot.</summary>
    public static async Task<ExternalCluster> StartAsync(ExternalClusterOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cluster = new ExternalCluster(options, Guid.NewGuid().ToString("N")[..10]);
        try
        {
            await cluster.SwitchAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task SwitchAsync(CancellationToken cancellationToken)
    {
        var where = $"cluster {_options.ClusterId} (Redis {RedisText.Redacted(_options.Redis)})";
        var before = await WaitForSilosAsync(where, cancellationToken);

        var run = new RunLaunch(RunId, SiloServices.Of(_options.Scenario), MembershipLaunch.Of(_options.Membership), _options.Dashboard);
        _board = await ConnectionMultiplexer.ConnectAsync(_options.Redis);
        if (!await RunBoard.TryTakeAsync(_board.GetDatabase(), ServiceId, _options.ClusterId, run))
        {
            var holder = await RunBoard.HolderAsync(_board.GetDatabase(), ServiceId, _options.ClusterId);
            throw new ExternalClusterException($"{where} is serving run {holder} of another runner: one run at a time (its lease lapses {RunBoard.Lease.TotalSeconds:0} s after its runner stops)");
        }

        _holdsBoard = true;
        _leaseRenewal = RenewLeaseAsync(_stopRenewing.Token);

        var json = run.ToJson();
        await Task.WhenAll(before.Select(async e =>
        {
            try
            {
                await Client.GetGrain<ISiloAgent>(e.SiloAddress.ToParsableString()).BeginRun(json).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
            {
                throw new ExternalClusterException($"{e.SiloName} in {where} did not take the run: {ex.Message}");
            }
        }));
        Note($"asked {before.Length} silos to switch to run {RunId}");

        // Every silo restarts its host: this client's gateways go away with them (WaitForRunAsync connects again).
        await StopClientAsync();
        var serving = await WaitForRunAsync(before.Length, where, cancellationToken);
        lock (_gate)
        {
            foreach (var (address, name) in serving.OrderBy(s => s.Address, StringComparer.Ordinal))
            {
                var silo = new FleetSilo(name, address, _all.Count);
                _all.Add(silo);
                _running.Add(silo);
            }
        }

        await Client.GetGrain<ISiloAgent>(Running[0].Address).ActivateAuthority().WaitAsync(_options.ResponseTimeout, cancellationToken);
        _records = new FleetRecords(Client, Note);
        _membership = new MembershipWatch(Client, Note, JoinedAsync);
        Note($"{serving.Count} silos serve run {RunId}: {string.Join(", ", Running.Select(s => s.Name))}");
    }

    /// <summary>Connects and waits until <see cref="ExternalClusterOptions.Silos"/> silos are active (the client itself waits for a first gateway).</summary>
    private async Task<MembershipEntry[]> WaitForSilosAsync(string where, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.JoinTimeout;
        MembershipEntry[] active = [];
        while (true)
        {
            try
            {
                _client ??= await ConnectAsync(cancellationToken);
                active = await Client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
                if (active.Length >= _options.Silos)
                {
                    return active;
                }
            }
            catch (Exception ex) when (ex is ExternalClusterException or OrleansException or TimeoutException or SiloUnavailableException)
            {
                await StopClientAsync(); // no gateway yet: ask again with a fresh client
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new ExternalClusterException($"{where} has {active.Length} active silos, {_options.Silos} wanted, after {_options.JoinTimeout.TotalSeconds:0} s: start them first (testbed silo --redis … --cluster-id {_options.ClusterId})");
            }

            await Task.Delay(1000, cancellationToken);
        }
    }

    /// <summary>Waits until <paramref name="count"/> active silos say they serve this run.</summary>
    private async Task<List<(string Address, string Name)>> WaitForRunAsync(int count, string where, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.SwitchTimeout;
        var serving = new List<(string Address, string Name)>();
        while (true)
        {
            serving.Clear();
            try
            {
                _client ??= await ConnectAsync(cancellationToken);
                var hosts = await Client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
                foreach (var host in hosts)
                {
                    var address = host.SiloAddress.ToParsableString();
                    if (await ServesAsync(address))
                    {
                        serving.Add((address, host.SiloName));
                    }
                }
            }
            catch (ExternalClusterException)
            {
                // No gateway yet: the silos are still switching.
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or SiloUnavailableException)
            {
            }

            if (serving.Count >= count)
            {
                return serving;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new ExternalClusterException($"{where}: {serving.Count} of {count} silos serve run {RunId} after {_options.SwitchTimeout.TotalSeconds:0} s (see the silos' logs)");
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    private async Task<bool> ServesAsync(string address)
    {
        try
        {
            return await Client.GetGrain<ISiloAgent>(address).CurrentRun().WaitAsync(TimeSpan.FromSeconds(2)) == RunId;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or SiloUnavailableException)
        {
            return false;
        }
    }

    /// <summary>
    /// A silo that became active during the run (the orchestrator restarted one): it joins the run once it says it serves
    /// it (asked for up to 30 s, off the membership watch's loop). It counts as running before its setup (open wire
    /// faults, the relay), since Orleans places grains on it either way; a failed setup is noted.
    /// </summary>
    private Task JoinedAsync(string address, string name)
    {
        _ = Task.Run(async () =>
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!await ServesAsync(address))
            {
                if (DateTime.UtcNow > deadline || _stopRenewing.IsCancellationRequested)
                {
                    Note($"{name} ({address}) became active but does not serve run {RunId}: its grains may run other services");
                    return;
                }

                await Task.Delay(500);
            }

            FleetSilo silo;
            lock (_gate)
            {
                if (_all.Any(s => s.Address == address))
                {
                    return;
                }

                silo = new FleetSilo(name, address, _all.Count);
                _all.Add(silo);
                _running.Add(silo);
            }

            Note($"{name} joined the run ({address})");
            if (SiloStarted is { } started)
            {
                try
                {
                    await started(silo);
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException or SiloUnavailableException or InvalidOperationException)
                {
                    Note($"{name}: setting it up for the run failed: {ex.Message}");
                }
            }
        });
        return Task.CompletedTask;
    }

    /// <summary>Takes <paramref name="silo"/> off the running list (it was struck).</summary>
    internal void Forget(FleetSilo silo)
    {
        lock (_gate)
        {
            _running.Remove(silo);
        }
    }

    /// <summary>Keeps what <paramref name="silo"/> recorded so far, before it is struck.</summary>
    internal Task SnapshotAsync(FleetSilo silo) => Records.SnapshotAsync(silo);

    /// <inheritdoc />
    public async Task<IReadOnlyList<SiloReport>> ReportsAsync()
    {
        FleetSilo[] all;
        lock (_gate)
        {
            all = _all.ToArray();
        }

        var reports = await Records.ReportsAsync(Running, all);
        lock (_gate)
        {
            foreach (var (report, silo) in reports.Join(all, r => r.Silo, s => s.Name, (r, s) => (r, s)))
            {
                _pids.TryAdd(silo.Address, report.ProcessId);
            }
        }

        return reports;
    }

    /// <inheritdoc />
    public ClusterSummary Describe()
    {
        lock (_gate)
        {
            return new ClusterSummary("external", _running.Count)
            {
                ClusterId = _options.ClusterId,
                ServiceId = $"{ServiceId} (run {RunId})",
                Redis = RedisText.Redacted(_options.Redis),
                Processes = _all.Select(s => new SiloProcessSummary(s.Name, _pids.GetValueOrDefault(s.Address), PortOf(s.Address), 0, null)).ToArray(),
                Events = _events.ToArray(),
            };
        }
    }

    /// <summary>Records what happened, stamped with the time since the run joined.</summary>
    internal void Note(string what)
    {
        lock (_gate)
        {
            _events.Add($"+{(DateTimeOffset.UtcNow - _startedAt).TotalSeconds:0.00} s {what}");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_membership is { } membership)
        {
            await membership.DisposeAsync();
        }

        await _stopRenewing.CancelAsync();
        await _leaseRenewal;
        try
        {
            if (_board is { } board && _holdsBoard)
            {
                await RunBoard.ClearAsync(board.GetDatabase(), ServiceId, _options.ClusterId, RunId);
            }
        }
        catch (RedisException)
        {
            // The lease lapses by itself.
        }
        finally
        {
            if (_board is { } board)
            {
                await board.DisposeAsync();
            }

            _stopRenewing.Dispose();
            await StopClientAsync();
        }
    }

    /// <summary>Keeps the run board's lease while the run lasts (a third of the lease between renewals).</summary>
    private async Task RenewLeaseAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(RunBoard.Lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    if (!await RunBoard.RenewAsync(_board!.GetDatabase(), ServiceId, _options.ClusterId, RunId))
                    {
                        Note("the run board no longer names this run: another runner may switch the silos");
                        return;
                    }
                }
                catch (RedisException ex)
                {
                    Note($"renewing the run board failed: {ex.Message}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private FleetRecords Records => _records ?? throw new InvalidOperationException("not joined");

    private static int PortOf(string address) =>
        int.TryParse(address[(address.LastIndexOf(':') + 1)..].Split('@')[0], out var port) ? port : 0;

    private async Task StopClientAsync()
    {
        if (_client is { } client)
        {
            _client = null;
            await FleetClient.StopAsync(client);
        }
    }

    private async Task<IHost> ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await FleetClient.StartAsync(_options.Redis, _options.ClusterId, ServiceId, _options.ResponseTimeout, tls: null, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new ExternalClusterException($"could not join cluster {_options.ClusterId} through Redis {RedisText.Redacted(_options.Redis)}: {ex.Message}");
        }
    }
}

/// <summary>An external cluster could not be joined or switched to the run.</summary>
public sealed class ExternalClusterException(string message) : Exception(message);
