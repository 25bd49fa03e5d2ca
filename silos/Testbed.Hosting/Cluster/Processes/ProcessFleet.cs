using Testbed.Hosting.Cluster.Agents;
using Testbed.Hosting.Runs;

namespace Testbed.Hosting.Cluster.Processes;

/// <summary>A <see cref="ProcessCluster"/> as a fleet: its silo processes, by their ready addresses.</summary>
public sealed class ProcessFleet(ProcessCluster cluster) : ISiloFleet
{
    private Func<FleetSilo, Task>? _started;

    /// <inheritdoc />
    public IClusterClient Client => cluster.Client;

    /// <inheritdoc />
    public IReadOnlyList<FleetSilo> Running
    {
        get
        {
            var all = cluster.AllSilos.ToList();
            return cluster.Silos.Select(s => Of(s, all)).ToArray();
        }
    }

    /// <inheritdoc />
    public Func<FleetSilo, Task>? SiloStarted
    {
        get => _started;
        set
        {
            _started = value;
            cluster.SiloStarted = value is null ? null : silo => value(Of(silo, cluster.AllSilos.ToList()));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SiloReport>> ReportsAsync() => cluster.ReportsAsync();

    /// <inheritdoc />
    public ClusterSummary Describe() => new("processes", cluster.AllSilos.Count(s => !s.HasExited))
    {
        ClusterId = cluster.ClusterId,
        ServiceId = cluster.ServiceId,
        Redis = cluster.OwnRedis is null ? RedisText.Redacted(cluster.Redis) : $"{cluster.Redis} (started for the run)",
        Processes = cluster.AllSilos.Select(s => new SiloProcessSummary(s.Name, s.Pid, s.Ready.SiloPort, s.Ready.GatewayPort, s.ExitCode)).ToArray(),
        Events = cluster.Events.Select(e => e.What).ToArray(),
    };

    /// <inheritdoc />
    public ValueTask DisposeAsync() => cluster.DisposeAsync();

    private static FleetSilo Of(SiloProcess silo, List<SiloProcess> all) => ProcessCluster.Fleet(silo, all);
}

/// <summary>Redis connection strings as results may show them.</summary>
public static class RedisText
{
    /// <summary><paramref name="connection"/> without its password.</summary>
    public static string Redacted(string connection) => StackExchange.Redis.ConfigurationOptions.Parse(connection).ToString(includePassword: false);
}
