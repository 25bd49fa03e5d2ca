using Testbed.Attacks.Faults;
using Testbed.Attacks.Hosting;
using Testbed.Defenses;
using Testbed.Hosting.Cluster.Agents;
using Testbed.Scenarios;
using Testbed.Wire;

namespace Testbed.Hosting.Runs;

/// <summary>
/// A fleet of silos outside this process (silo processes the runner started, or an external cluster): records, wire
/// faults and the adversaries' relay go through each silo's agent.
/// </summary>
internal sealed class FleetRunCluster : IRunCluster
{
    private readonly ISiloFleet cluster;
    private readonly MembershipSpec membership;
    private readonly bool transportTls;

    public FleetRunCluster(ISiloFleet cluster, INodeControl nodes, MembershipSpec membership, bool transportTls)
    {
        this.cluster = cluster;
        this.membership = membership;
        this.transportTls = transportTls;
        Nodes = nodes;
        cluster.SiloStarted = SetUpLateSiloAsync;
    }

    public IClusterClient Client => cluster.Client;

    private ISiloAgent Agent(FleetSilo silo) => cluster.Client.GetGrain<ISiloAgent>(silo.Address);

    public INodeControl Nodes { get; }

    public WireHooks? Hooks => null;

    public async Task ArmAdversaryAsync(string key, AdversarySpec spec) => await Agent(cluster.Running[0]).ArmAdversary(key, spec);

    public IGrainFactory AdversaryCalls => cluster.Client;

    private (string Hub, bool Taps, bool Interceptors)? _relay;

    public async Task RelayToAdversariesAsync()
    {
        var hub = cluster.Running[0];
        var (taps, interceptors) = await Agent(hub).AdversaryHooks();
        if (!taps && !interceptors)
        {
            return;
        }

        _relay = (hub.Address, taps, interceptors);
        await Task.WhenAll(cluster.Running.Where(s => s.Address != hub.Address).Select(StartRelayOnAsync));
    }

    public async Task StopRelayingAsync()
    {
        if (_relay is null)
        {
            return;
        }

        _relay = null;
        await Task.WhenAll(cluster.Running.Skip(1).Select(s => Quietly(() => Agent(s).StopRelay())));
    }

    private Task StartRelayOnAsync(FleetSilo silo) => _relay is { } relay
        ? Agent(silo).StartRelay(relay.Hub, relay.Taps, relay.Interceptors)
        : Task.CompletedTask;

    /// <summary>A silo that starts during the run (a replacement) joins the wire faults' windows and the relay.</summary>
    private async Task SetUpLateSiloAsync(FleetSilo silo)
    {
        if (_wireFaults.Length > 0)
        {
            await StartWireFaultsOnAsync(silo);
        }

        await StartRelayOnAsync(silo);
    }

    public async Task<RunRecords> RecordsAsync()
    {
        var reports = await cluster.ReportsAsync();
        var wire = new long[8];
        _links = reports.Aggregate(Cluster.Links.LinkSnapshot.None, (sum, r) => sum.Plus(r.Links));
        foreach (var report in reports)
        {
            for (var i = 0; i < wire.Length; i++)
            {
                wire[i] += report.Wire[i];
            }
        }

        var events = new SecurityEventLog();
        events.Absorb(reports.SelectMany(r => r.Events).OrderBy(e => e.Time), reports.SelectMany(r => r.EventCounts));
        var blocks = reports.SelectMany(r => r.FirstBlockedAt)
            .GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Min(kv => kv.Value), StringComparer.Ordinal);
        return new RunRecords(new WireSummary(wire[0], wire[1], wire[2], wire[3], wire[4], wire[5], wire[6], wire[7]), events, blocks);
    }

    private WireFaultLaunch[] _wireFaults = [];
    private Cluster.Links.LinkSnapshot? _links;

    public async Task StartWireFaultsAsync(WireFaultLaunch[] launches)
    {
        _wireFaults = launches;
        cluster.SiloStarted = SetUpLateSiloAsync; // replacements join the faults' windows where they stand
        await Task.WhenAll(cluster.Running.Select(StartWireFaultsOnAsync));
    }

    public async Task StopWireFaultsAsync()
    {
        _wireFaults = [];
        await Task.WhenAll(cluster.Running.Select(s => Quietly(() => Agent(s).StopWireFaults())));
    }

    public async Task<IReadOnlyList<WireFaultReport>> ConcludeWireFaultsAsync()
    {
        var reports = await Task.WhenAll(cluster.Running.Select(async s =>
        {
            WireFaultReport[] found = [];
            await Quietly(async () => found = await Agent(s).ConcludeWireFaults());
            return found;
        }));
        return reports.SelectMany(r => r).ToArray();
    }

    private Task StartWireFaultsOnAsync(FleetSilo silo)
    {
        var ordinal = silo.Ordinal;
        var names = cluster.Running.Select(s => s.Name).ToArray();
        return Agent(silo).StartWireFaults(_wireFaults.Select(l => l with { Seed = unchecked((l.Seed * 31) + ordinal), Silos = names }).ToArray());
    }

    /// <summary>A silo struck meanwhile does not answer: what it did ended with it.</summary>
    private static async Task Quietly(Func<Task> call)
    {
        try
        {
            await call().WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or SiloUnavailableException or OperationCanceledException)
        {
        }
    }

    public StorageSummary Storage => new("redis");

    public ClusterSummary Summary => cluster.Describe() with
    {
        Membership = membership,
        TransportTls = transportTls,
        Links = _links,
    };

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}
