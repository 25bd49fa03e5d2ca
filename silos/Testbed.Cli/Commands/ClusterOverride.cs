using System.CommandLine;
using Testbed.Hosting.Cluster.Processes;
using Testbed.Scenarios;

namespace Testbed.Cli.Commands;

/// <summary>
/// <c>--cluster embedded|processes|external</c>, <c>--redis HOST:PORT</c> and <c>--cluster-id ID</c> on <c>run</c>,
/// <c>suite</c>: run any scenario in another cluster mode, unchanged otherwise.
/// </summary>
internal sealed class ClusterOverride
{
    public Option<ClusterMode?> Mode { get; } = new("--cluster")
    {
        Description = "Run every scenario in this cluster mode (overrides cluster.mode): embedded (one process), processes (testbed silo processes over TCP, Redis membership) or external (join a running cluster).",
    };

    public Option<string?> Redis { get; } = new("--redis") { Description = "Redis of membership and storage for processes and external mode (overrides cluster.redis)." };

    public Option<string?> ClusterId { get; } = new("--cluster-id") { Description = "Orleans cluster id (overrides cluster.clusterId): the cluster to join in external mode; processes mode: instead of a fresh id per run." };

    public Option<int?> Silos { get; } = new("--silos")
    {
        Description = "Silos for every scenario (overrides cluster.silos, 1..8): how many to start (embedded, processes), or how many active silos to wait for before the run (external; the run uses every active silo).",
    };

    /// <summary>The dashboard's port when <c>--dashboard</c> is given without one.</summary>
    public const int DefaultDashboardPort = 8080;

    public Option<int?> Dashboard { get; } = new("--dashboard")
    {
        Description = $"Serve Orleans' dashboard of each run's cluster on http://127.0.0.1:PORT/ while it runs (default port {DefaultDashboardPort}).",
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "PORT",
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return DefaultDashboardPort;
            }

            if (int.TryParse(result.Tokens[0].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
            {
                return port;
            }

            result.AddError($"--dashboard: expected a port 1..65535, found '{result.Tokens[0].Value}'");
            return null;
        },
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Dashboard);
        command.Options.Add(Mode);
        command.Options.Add(Silos);
        command.Options.Add(Redis);
        command.Options.Add(ClusterId);
    }

    /// <summary>
    /// The scenarios as the command line wants them; a problem (a mode that lacks what it needs) is returned as
    /// <c>file: message</c> lines for exit code 2.
    /// </summary>
    public (List<Scenario> Scenarios, List<string> Problems) Apply(ParseResult parse, IReadOnlyList<Scenario> scenarios)
    {
        var mode = parse.GetValue(Mode);
        var redis = parse.GetValue(Redis);
        var clusterId = parse.GetValue(ClusterId);
        var silos = parse.GetValue(Silos);
        var problems = new List<string>();
        if (silos is < 1 or > ClusterSpec.MaxSilos)
        {
            problems.Add($"--silos: expected 1..{ClusterSpec.MaxSilos}, found {silos}");
        }

        var result = new List<Scenario>();
        foreach (var scenario in scenarios)
        {
            var cluster = scenario.Cluster;
            var processes = (mode ?? cluster.Mode) != ClusterMode.Embedded;
            cluster = cluster with
            {
                Mode = mode ?? cluster.Mode,
                Redis = redis ?? (processes && cluster.RedisDefaulted ? null : cluster.Redis), // a default meant for embedded storage
                RedisDefaulted = redis is null && cluster.RedisDefaulted,
                ClusterId = clusterId ?? cluster.ClusterId,
                Silos = silos ?? cluster.Silos,
            };
            if (cluster.Mode == ClusterMode.Embedded && cluster.Storage == Storage.StorageProvider.Embedded)
            {
                cluster = cluster with { Redis = null, ClusterId = null };
            }

            problems.AddRange(Problems([scenario with { Cluster = cluster }]));
            result.Add(scenario with { Cluster = cluster });
        }

        if (redis is not null && RedisProblem(redis) is { } bad)
        {
            problems.Insert(0, $"--redis: {bad}, found '{redis}'");
        }

        return (result, problems);
    }

    /// <summary>What keeps each scenario from running in its cluster mode, as <c>file: message</c> lines (none: all can run).</summary>
    public static List<string> Problems(IEnumerable<Scenario> scenarios)
    {
        var problems = new List<string>();
        foreach (var scenario in scenarios)
        {
            var cluster = scenario.Cluster;
            if (cluster.ModeProblem() is { } problem)
            {
                problems.Add($"{scenario.SourcePath}: {problem}");
            }
            else if (cluster.Mode == ClusterMode.External && Hosting.Runs.RunClusters.ExternalProblem(scenario) is { } external)
            {
                problems.Add($"{scenario.SourcePath}: {external}");
            }
            else if (cluster.Mode == ClusterMode.Processes && !OperatingSystem.IsLinux())
            {
                problems.Add($"{scenario.SourcePath}: processes mode strikes silos with Linux signals (SIGKILL, SIGTERM, SIGSTOP, SIGCONT): it runs on Linux only");
            }
            else if (cluster.Mode == ClusterMode.Processes && cluster.Redis is null && RedisServer.Find() is null)
            {
                problems.Add($"{scenario.SourcePath}: processes mode needs a Redis: install redis-server (apt-get install redis-server) or give cluster.redis or --redis");
            }

            if (cluster.Mode != ClusterMode.Embedded && Hosting.Runs.RunClusters.EmbeddedOnly(scenario) is { } only)
            {
                problems.Add($"{scenario.SourcePath}: {only}");
            }
        }

        return problems;
    }

    private static string? RedisProblem(string connection)
    {
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(connection).EndPoints.Count == 0 ? "expected HOST:PORT" : null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or NotSupportedException)
        {
            return $"not a Redis connection string ({ex.Message.TrimEnd('.')})";
        }
    }
}
