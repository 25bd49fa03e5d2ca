using Microsoft.Extensions.DependencyInjection;
using Testbed.Attacks.Faults;
using Testbed.Attacks.Hosting;
using Testbed.Defenses;
using Testbed.Hosting.Cluster;
using Testbed.Hosting.Cluster.Agents;
using Testbed.Hosting.Cluster.External;
using Testbed.Hosting.Cluster.Processes;
using Testbed.Scenarios;
using Testbed.Wire;

namespace Testbed.Hosting.Runs;

/// <summary>What a run's silos recorded, gathered in one place: wire counters, security events, rate-limit blocks.</summary>
internal sealed record RunRecords(WireSummary Wire, SecurityEventLog Events, Dictionary<string, DateTimeOffset> FirstBlockedAt);

/// <summary>The cluster a run drives, whatever its mode: the client, the nodes, the place adversaries are armed, and the silos' records.</summary>
internal interface IRunCluster : IAsyncDisposable
{
    /// <summary>The client the workload and the checker use.</summary>
    IClusterClient Client { get; }

    /// <summary>The silos as node faults see them.</summary>
    INodeControl Nodes { get; }

    /// <summary>The wire hooks every silo shares, or null when silos are processes (each has its own).</summary>
    WireHooks? Hooks { get; }

    /// <summary>Arms adversary <paramref name="key"/> on silo 0, the one node faults never strike.</summary>
    Task ArmAdversaryAsync(string key, AdversarySpec spec);

    /// <summary>Where the runner reaches armed adversaries from: silo 0 itself when it is in this process.</summary>
    IGrainFactory AdversaryCalls { get; }

    /// <summary>The adversaries are armed: every silo that has a wire of its own relays its traffic to them (until <see cref="StopRelayingAsync"/>).</summary>
    Task RelayToAdversariesAsync();

    /// <summary>The adversaries' windows closed: silos stop relaying.</summary>
    Task StopRelayingAsync();

    /// <summary>What the silos recorded so far.</summary>
    Task<RunRecords> RecordsAsync();

    /// <summary>Starts wire faults in every silo, and in every silo that starts later (only where <see cref="Hooks"/> is null).</summary>
    Task StartWireFaultsAsync(WireFaultLaunch[] launches);

    /// <summary>Closes the silos' wire-fault windows and waits for them to revert.</summary>
    Task StopWireFaultsAsync();

    /// <summary>What each silo's wire faults did (silos that ended took theirs with them).</summary>
    Task<IReadOnlyList<WireFaultReport>> ConcludeWireFaultsAsync();

    /// <summary>Where durable state went.</summary>
    StorageSummary Storage { get; }

    /// <summary>The cluster as the result describes it.</summary>
    ClusterSummary Summary { get; }
}

/// <summary>An embedded cluster: one process, shared hooks and events.</summary>
internal sealed class EmbeddedRunCluster(EmbeddedCluster cluster, ClusterSpec spec) : IRunCluster
{
    public EmbeddedCluster Cluster => cluster;

    public IClusterClient Client => cluster.Client;

    public INodeControl Nodes { get; } = new EmbeddedNodeControl(cluster);

    public WireHooks? Hooks => cluster.Hooks;

    public async Task ArmAdversaryAsync(string key, AdversarySpec spec) =>
        // Placed where first called (PreferLocalPlacement): through silo 0, so a crash never takes an adversary with it.
        await AdversaryCalls.GetGrain<IAdversaryGrain>(key).Arm(spec);

    public IGrainFactory AdversaryCalls => cluster.SiloServices(0).GetRequiredService<IGrainFactory>();

    public Task RelayToAdversariesAsync() => Task.CompletedTask; // one process, one shared wire: nothing to relay

    public Task StopRelayingAsync() => Task.CompletedTask;

    public Task<RunRecords> RecordsAsync()
    {
        var blocks = Enumerable.Range(0, cluster.SiloNames.Count)
            .SelectMany(i => cluster.SiloServices(i).GetRequiredService<DefensePipeline>().Layers.OfType<Defenses.RateLimit.RateLimitLayer>())
            .SelectMany(limiter => limiter.BlockHistory)
            .GroupBy(block => block.Sender, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Min(block => block.Since), StringComparer.Ordinal);
        return Task.FromResult(new RunRecords(WireSummary.From(cluster.Hooks.Stats), cluster.Events, blocks));
    }

    public Task StartWireFaultsAsync(WireFaultLaunch[] launches) => throw SharedWire();

    public Task StopWireFaultsAsync() => throw SharedWire();

    public Task<IReadOnlyList<WireFaultReport>> ConcludeWireFaultsAsync() => throw SharedWire();

    public StorageSummary Storage => StorageSummary.Of(spec.Storage, cluster.Store);

    private static InvalidOperationException SharedWire() => new("the embedded cluster's silos share one wire: its faults run in the runner");

    public ClusterSummary Summary => new("embedded", cluster.SiloNames.Count) { TransportTls = spec.TransportTls };

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}

/// <summary>Starts the cluster a scenario asks for.</summary>
public static class RunClusters
{
    /// <summary>
    /// Why <paramref name="scenario"/> can run only on an embedded cluster in this build, or null: where silos are processes
    /// each runs its own wire faults, and a fault that picks traffic by the silo a grain lives on would need a directory
    /// lookup in every silo; it is refused rather than run with verdicts that would mislead.
    /// </summary>
    public static string? EmbeddedOnly(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var named = scenario.Faults.Select((f, i) => (f, i)).Where(x => NamesSilos(x.f)).Select(x => $"faults[{x.i}] ({x.f.Kind}, by silo)").ToArray();
        return named.Length == 0
            ? null
            : $"{string.Join(", ", named)}: wire faults that pick traffic by silo run on embedded clusters only in this build (a directory lookup of where each grain lives is not built yet)";
    }

    /// <summary>
    /// Why <paramref name="scenario"/> cannot run on an external cluster, or null: a pause needs someone outside the
    /// stopped process to continue it, and transport TLS needs each silo's certificate from its operator (the runner's
    /// authority cannot reach silos it did not start without putting key material on the network).
    /// </summary>
    public static string? ExternalProblem(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var problems = new List<string>();
        var pauses = scenario.Faults.Select((f, i) => (f, i)).Where(x => x.f.Kind == "pause").Select(x => $"faults[{x.i}] (pause)").ToArray();
        if (pauses.Length > 0)
        {
            problems.Add($"{string.Join(", ", pauses)}: a silo of an external cluster cannot be paused (nothing outside its stopped process would continue it); use processes mode");
        }

        if (scenario.Cluster.TransportTls)
        {
            problems.Add("cluster.transportTls: an external cluster's silos were started by someone else, and this build gives them no certificates; use processes or embedded mode");
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <summary>A wire fault whose targets or sides name silo positions (it needs to know which silo hosts each grain).</summary>
    private static bool NamesSilos(ActionSpec fault) => IsWireFault(fault)
        && fault.Options.Any(o => o.Key is "targets" or "sides" && o.Value.Contains("silo:", StringComparison.Ordinal));

    private static bool IsWireFault(ActionSpec fault) =>
        Attacks.Faults.FaultCatalog.Create(fault.Kind, fault.Options, fault.Script) is Attacks.Faults.Wire.WireFault;

    internal static async Task<IRunCluster> StartAsync(Scenario scenario, DefenseSetup defenses, RunOptions? options, CancellationToken cancellationToken)
    {
        var spec = scenario.Cluster;
        switch (spec.Mode)
        {
            case ClusterMode.Embedded:
                var embedded = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions
                {
                    Silos = spec.Silos,
                    Defenses = defenses.Pipeline,
                    Identity = defenses.Identity,
                    Pausable = scenario.Faults.Any(f => f.Kind == "pause"),
                    ResponseTimeout = spec.ResponseTimeout,
                    Attacks = options?.Attacks ?? Attacks.Api.AttackCatalog.Builtin,
                    TransportTls = options?.TransportTls ?? (spec.TransportTls ? new TransportTlsOptions() : null),
                    Membership = spec.Membership,
                    Dashboard = options?.DashboardPort is not null,
                    Storage = new Storage.TestbedStorageOptions
                    {
                        Provider = spec.Storage,
                        Redis = spec.Redis ?? Storage.TestbedStorageOptions.DefaultRedis,
                    },
                    Payments = TestbedSiloSetup.PaymentsOf(scenario),
                }, cancellationToken);
                return new EmbeddedRunCluster(embedded, spec);
            case ClusterMode.Processes:
                if (EmbeddedOnly(scenario) is { } only)
                {
                    throw new NotSupportedException(only);
                }

                if (!OperatingSystem.IsLinux())
                {
                    throw new PlatformNotSupportedException("processes mode strikes silos with Linux signals: it runs on Linux only");
                }

                if (options?.Attacks is { } attacks && !ReferenceEquals(attacks, Attacks.Api.AttackCatalog.Builtin))
                {
                    throw new ArgumentException("a custom attack catalog lives in this process: silo processes host the built-in attacks and scripts only", nameof(options));
                }

                var membership = spec.Membership ?? MembershipSpec.Fast;
                var processes = await ProcessCluster.StartAsync(new ProcessClusterOptions
                {
                    Scenario = scenario,
                    Silos = spec.Silos,
                    Redis = spec.Redis,
                    ClusterId = spec.ClusterId,
                    Membership = membership,
                    ResponseTimeout = spec.ResponseTimeout,
                    ClientTls = spec.TransportTls ? options?.TransportTls : null,
                    Dashboard = options?.DashboardPort is not null,
                    LogDirectory = options?.LogDirectory ?? Path.Combine(Path.GetTempPath(), "testbed-logs", $"{scenario.Name}-{Guid.NewGuid():N}"[..(scenario.Name.Length + 9)]),
                }, cancellationToken);
                return new FleetRunCluster(new ProcessFleet(processes), new ProcessNodeControl(processes), membership, spec.TransportTls);
            case ClusterMode.External:
                if ((EmbeddedOnly(scenario) ?? ExternalProblem(scenario)) is { } refused)
                {
                    throw new NotSupportedException(refused);
                }

                var external = await ExternalCluster.StartAsync(new ExternalClusterOptions
                {
                    Scenario = scenario,
                    Redis = spec.Redis ?? throw new ArgumentException("external mode needs cluster.redis", nameof(scenario)),
                    ClusterId = spec.ClusterId ?? throw new ArgumentException("external mode needs cluster.clusterId", nameof(scenario)),
                    Membership = spec.Membership ?? MembershipSpec.Fast,
                    ResponseTimeout = spec.ResponseTimeout,
                    Silos = spec.Silos,
                    Dashboard = options?.DashboardPort is not null,
                }, cancellationToken);
                return new FleetRunCluster(external, new ExternalNodeControl(external), spec.Membership ?? MembershipSpec.Fast, transportTls: false);
            default:
                throw new NotSupportedException($"cluster mode {spec.Mode} is not known to this build");
        }
    }
}
