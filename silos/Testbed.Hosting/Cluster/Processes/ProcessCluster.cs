using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;
using Testbed.Hosting.Cluster.Agents;
using Testbed.Scenarios;

namespace Testbed.Hosting.Cluster.Processes;

/// <summary>How to start a <see cref="ProcessCluster"/>.</summary>
public sealed class ProcessClusterOptions
{
    /// <summary>The scenario whose services and defenses the silos host (they travel on each silo's stdin).</summary>
    public required Scenario Scenario { get; init; }

    /// <summary>Silos to start (1..8).</summary>
    public int Silos { get; init; } = 2;

    /// <summary>Redis to use, or null to start a throw-away redis-server.</summary>
    public string? Redis { get; init; }

    /// <summary>The cluster id, or null for a fresh one.</summary>
    public string? ClusterId { get; init; }

    /// <summary>Membership timing.</summary>
    public MembershipSpec Membership { get; init; } = MembershipSpec.Fast;

    /// <summary>Folder for the silos' logs (<c>silo-N.log</c>).</summary>
    public required string LogDirectory { get; init; }

    /// <summary>How long a grain call may take before the caller sees a timeout.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The client's transport TLS options when the scenario turns it on (its <c>OnConnection</c> hears the client's handshakes).</summary>
    public TransportTlsOptions? ClientTls { get; init; }

    /// <summary>Every silo adds the silo side of Orleans' dashboard.</summary>
    public bool Dashboard { get; init; }

    /// <summary>How long one silo may take to start.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// A cluster of <c>testbed silo</c> processes on 127.0.0.1: real Orleans silos over TCP, with Redis membership and Redis
/// grain storage, and a client in this process. The first silo (position 0) starts first and hosts the certificate
/// authority; the others start together. Silos are struck with real signals (<see cref="ProcessNodeControl"/>). Every
/// process it starts — silos, the redis-server — is stopped on dispose, and ends by itself if this process dies.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly ProcessClusterOptions _options;
    private readonly Lock _gate = new();
    private readonly List<SiloProcess> _running = [];
    private readonly List<SiloProcess> _all = [];
    private readonly List<(DateTimeOffset At, string What)> _events = [];
    private RedisServer? _redis;
    private TransportCredentials? _tls;
    private IHost? _client;
    private MembershipWatch? _membership;
    private readonly CancellationTokenSource _disposing = new();
    private FleetRecords? _records;
    private int _starting;
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private int _nextName;

    private ProcessCluster(ProcessClusterOptions options, string redis, string clusterId, string serviceId)
    {
        _options = options;
        Redis = redis;
        ClusterId = clusterId;
        ServiceId = serviceId;
    }

    /// <summary>The Redis of membership and storage.</summary>
    public string Redis { get; }

    /// <summary>The Orleans cluster id.</summary>
    public string ClusterId { get; }

    /// <summary>The Orleans service id: fresh per run, so runs sharing a Redis never share state.</summary>
    public string ServiceId { get; }

    /// <summary>The client the workload and the checker use.</summary>
    public IClusterClient Client => _client?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("the cluster is not started");

    /// <summary>The silos running now, in start order.</summary>
    public IReadOnlyList<SiloProcess> Silos
    {
        get
        {
            lock (_gate)
            {
                return _running.Where(s => !s.HasExited).ToArray();
            }
        }
    }

    /// <summary>Every silo process started, in start order, with the ones that ended.</summary>
    public IReadOnlyList<SiloProcess> AllSilos
    {
        get
        {
            lock (_gate)
            {
                return _all.ToArray();
            }
        }
    }

    /// <summary>What happened to the processes (started, exited with a code), with times.</summary>
    public IReadOnlyList<(DateTimeOffset At, string What)> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToArray();
            }
        }
    }

    /// <summary>Called when a silo started after the cluster (a replacement) is ready, before it counts as running.</summary>
    public Func<SiloProcess, Task>? SiloStarted { get; set; }

    /// <summary>The redis-server this cluster started, or null when it was given one.</summary>
    public RedisServer? OwnRedis => _redis;

    /// <summary>Starts Redis (unless given), the silos and the client; on failure everything started is stopped again.</summary>
    public static async Task<ProcessCluster> StartAsync(ProcessClusterOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Silos is < 1 or > ClusterSpec.MaxSilos)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Silos, $"silos must be 1..{ClusterSpec.MaxSilos}");
        }

        var run = Guid.NewGuid().ToString("N")[..10];
        RedisServer? redis = null;
        if (options.Redis is null)
        {
            redis = await RedisServer.StartAsync(cancellationToken);
        }

        foreach (var old in Directory.Exists(options.LogDirectory) ? Directory.EnumerateFiles(options.LogDirectory, "silo-*.log") : [])
        {
            File.Delete(old); // a previous run's (a suite run again into the same folder, --watch)
        }

        var clusterId = options.ClusterId ?? $"tb-{run}";
        var serviceId = options.ClusterId is null ? clusterId : $"{clusterId}-{run}"; // fresh per run: runs sharing a Redis never share state
        var cluster = new ProcessCluster(options, options.Redis ?? redis!.Connection, clusterId, serviceId)
        {
            _redis = redis,
            _tls = options.Scenario.Cluster.TransportTls ? TransportCredentials.Create(clusterId) : null,
        };
        try
        {
            await cluster.StartSiloAsync(hostsAuthority: true, cancellationToken);
            await Task.WhenAll(Enumerable.Range(1, options.Silos - 1).Select(_ => cluster.StartSiloAsync(hostsAuthority: false, cancellationToken)));
            await cluster.StartClientAsync(cancellationToken);
            cluster._records = new FleetRecords(cluster.Client, cluster.Note);
            cluster._membership = new MembershipWatch(cluster.Client, cluster.Note);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more silo (a replacement, or a restart under <paramref name="name"/>) and waits until it is active.</summary>
    public async Task<SiloProcess> StartSiloAsync(bool hostsAuthority = false, CancellationToken cancellationToken = default, string? name = null)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        Interlocked.Increment(ref _starting);
        try
        {
            return await StartOneAsync(hostsAuthority, linked.Token, name);
        }
        finally
        {
            Interlocked.Decrement(ref _starting);
        }
    }

    private async Task<SiloProcess> StartOneAsync(bool hostsAuthority, CancellationToken cancellationToken, string? name)
    {
        name ??= $"silo-{Interlocked.Increment(ref _nextName) - 1}";
        for (var attempt = 1; ; attempt++)
        {
            var ports = FreePorts.Take(2);
            var launch = new SiloLaunch
            {
                Name = name,
                Redis = Redis,
                ClusterId = ClusterId,
                ServiceId = ServiceId,
                SiloPort = ports[0],
                GatewayPort = ports[1],
                Services = SiloServices.Of(_options.Scenario),
                Membership = MembershipLaunch.Of(_options.Membership),
                HostsAuthority = hostsAuthority,
                EntryExpiry = _redis is null ? TimeSpan.FromHours(6) : null,
                ParentPid = Environment.ProcessId,
                Dashboard = _options.Dashboard,
                TransportTls = _tls is { } tls ? new TransportTlsLaunch(tls.ExportNode(name), tls.AuthorityCertificate) : null,
            };
            try
            {
                SiloProcess silo;
                try
                {
                    silo = await SiloProcess.StartAsync(launch, Path.Combine(_options.LogDirectory, $"{name}.log"), _options.StartTimeout, cancellationToken);
                }
                finally
                {
                    if (launch.TransportTls is { } sent)
                    {
                        System.Security.Cryptography.CryptographicOperations.ZeroMemory(sent.Certificate); // the private key went down the pipe; no copy stays here
                    }
                }

                lock (_gate)
                {
                    if (_disposing.IsCancellationRequested)
                    {
                        _ = silo.KillAsync(); // ready after the teardown began: it must not outlive the cluster
                        throw new OperationCanceledException("the cluster is being torn down");
                    }

                    _running.Add(silo);
                    _all.Add(silo);
                }

                Note($"{name} started (pid {silo.Pid}, silo port {launch.SiloPort}, gateway {launch.GatewayPort})");

                _ = silo.Exited.ContinueWith(_ => Exited(silo), TaskScheduler.Default);
                if (SiloStarted is { } started)
                {
                    try
                    {
                        await started(silo);
                    }
                    catch (Exception ex) when (ex is OrleansException or TimeoutException)
                    {
                        Note($"{name}: setting it up for the run failed: {ex.Message}");
                    }
                }

                return silo;
            }
            catch (SiloStartException ex) when (ex.PortTaken && attempt < 3)
            {
            }
        }
    }

    /// <summary>Removes <paramref name="silo"/> from the running list (it was struck, or it ended by itself).</summary>
    internal void Forget(SiloProcess silo)
    {
        lock (_gate)
        {
            _running.Remove(silo);
        }
    }

    /// <summary>The agent of a running silo.</summary>
    public ISiloAgent Agent(SiloProcess silo) => Client.GetGrain<ISiloAgent>(silo.Ready.Address);

    /// <summary>What every silo recorded (see <see cref="FleetRecords"/>): running silos now, struck ones as they were before the strike.</summary>
    public Task<IReadOnlyList<SiloReport>> ReportsAsync()
    {
        var all = AllSilos.ToList();
        return Records.ReportsAsync(Silos.Select(s => Fleet(s, all)).ToArray(), all.Select(s => Fleet(s, all)).ToArray());
    }

    /// <summary>Keeps what <paramref name="silo"/> recorded so far, before it is struck.</summary>
    internal Task SnapshotAsync(SiloProcess silo) => Records.SnapshotAsync(Fleet(silo, AllSilos.ToList()));

    /// <summary><paramref name="silo"/> as a fleet member: its ordinal is its place in start order.</summary>
    internal static FleetSilo Fleet(SiloProcess silo, List<SiloProcess> all) => new(silo.Name, silo.Ready.Address, all.IndexOf(silo));

    private FleetRecords Records => _records ?? throw new InvalidOperationException("the cluster is not started");

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync(); // silos still starting are killed when they get ready, or their start is cancelled
        for (var waited = 0; Volatile.Read(ref _starting) > 0 && waited < 100; waited++)
        {
            await Task.Delay(100);
        }

        try
        {
            if (_membership is { } membership)
            {
                await membership.DisposeAsync();
            }

            if (_client is { } client)
            {
                await FleetClient.StopAsync(client); // the silos go next whatever the client said on its way out
            }
        }
        finally
        {
            try
            {
                var silos = AllSilos;
                await Task.WhenAll(silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(6))));
                foreach (var silo in silos)
                {
                    await silo.DisposeAsync();
                }
            }
            finally
            {
                _tls?.Dispose();
                if (_redis is { } redis)
                {
                    await redis.DisposeAsync();
                }
            }
        }
    }

    private void Exited(SiloProcess silo)
    {
        lock (_gate)
        {
            _running.Remove(silo);
        }

        Note($"{silo.Name} exited with code {silo.ExitCode} (pid {silo.Pid})");
    }

    /// <summary>Records what happened to the cluster, stamped with the time since it started.</summary>
    internal void Note(string what)
    {
        var at = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            _events.Add((at, $"+{(at - _startedAt).TotalSeconds:0.00} s {what}"));
        }
    }

    private async Task StartClientAsync(CancellationToken cancellationToken) =>
        _client = await FleetClient.StartAsync(Redis, ClusterId, ServiceId, _options.ResponseTimeout, _tls, cancellationToken, _options.ClientTls);
}
