using System.Text.RegularExpressions;
using Testbed.Storage;
using YamlDotNet.RepresentationModel;

namespace Testbed.Scenarios;

/// <summary>Reads a scenario's <c>cluster:</c> mapping (mode, silos, storage, Redis, membership, transport TLS).</summary>
internal static partial class ClusterReader
{
    private static readonly string[] ClusterKeys = ["mode", "clusterId", "silos", "storage", "redis", "responseTimeout", "membership", "transportTls"];
    private static readonly string[] ClusterModes = ["embedded", "processes", "external"];
    private static readonly string[] MembershipKeys = ["probeTimeout", "missedProbes", "votes"];
    private static readonly string[] StorageKinds = ["embedded", "redis"];

    public static ClusterSpec Read(ScenarioErrorSink sink, YamlMappingNode? node)
    {
        var defaults = new ClusterSpec();
        if (node is null)
        {
            return defaults;
        }

        var r = new YamlMappingReader(sink, node, "cluster", ClusterKeys);
        var silos = (int)(r.Integer("silos", 1, ScenarioReader.MaxSilos) ?? defaults.Silos);
        var mode = ReadMode(r);
        var storage = ReadStorage(r);
        var redis = r.Text("redis");
        if (redis is not null)
        {
            if (storage == StorageProvider.Embedded && (mode ?? ClusterMode.Embedded) == ClusterMode.Embedded)
            {
                sink.Add(r.KeyMark("redis"), "cluster.redis: only allowed when storage is redis or mode is processes or external (storage is embedded, mode embedded)");
            }
            else if (RedisProblem(redis) is { } problem)
            {
                sink.Add(r.Value("redis")!, $"cluster.redis: {problem}, found {YamlScalars.Quote(redis)}");
            }
        }

        var clusterId = r.Text("clusterId");
        if (clusterId is not null)
        {
            if ((mode ?? ClusterMode.Embedded) == ClusterMode.Embedded)
            {
                sink.Add(r.KeyMark("clusterId"), "cluster.clusterId: only allowed when mode is processes or external");
            }
            else if (!ClusterIdPattern().IsMatch(clusterId))
            {
                sink.Add(r.Value("clusterId")!, $"cluster.clusterId: must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-', found {YamlScalars.Quote(clusterId)}");
            }
        }

        var provider = storage ?? defaults.Storage;
        var spec = new ClusterSpec
        {
            Mode = mode ?? defaults.Mode,
            ClusterId = clusterId,
            Silos = silos,
            Storage = provider,
            Redis = redis ?? (provider == StorageProvider.Redis && mode is null or ClusterMode.Embedded ? TestbedStorageOptions.DefaultRedis : null),
            RedisDefaulted = redis is null && provider == StorageProvider.Redis && mode is null or ClusterMode.Embedded,
            ResponseTimeout = r.Duration("responseTimeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)) ?? defaults.ResponseTimeout,
            Membership = ReadMembership(sink, r.Mapping("membership")),
            TransportTls = r.Boolean("transportTls") ?? defaults.TransportTls,
        };
        if (mode is not null && spec.ModeProblem() is { } modeProblem)
        {
            sink.Add(r.KeyMark("mode"), $"cluster.mode: {modeProblem}");
        }

        return spec;
    }

    private static ClusterMode? ReadMode(YamlMappingReader r)
    {
        if (r.Value("mode") is not { } node)
        {
            return null;
        }

        switch (YamlScalars.Text(r.Sink, node, r.Name("mode")))
        {
            case null:
                return null;
            case "embedded":
                return ClusterMode.Embedded;
            case "processes":
                return ClusterMode.Processes;
            case "external":
                return ClusterMode.External;
            case var text:
                r.Sink.Add(node, $"cluster.mode: expected one of {string.Join(", ", ClusterModes)}, found {YamlScalars.Quote(text)}");
                return null;
        }
    }

    private static MembershipSpec? ReadMembership(ScenarioErrorSink sink, YamlMappingNode? node)
    {
        if (node is null)
        {
            return null;
        }

        var r = new YamlMappingReader(sink, node, "cluster.membership", MembershipKeys);
        var defaults = MembershipSpec.Fast;
        return new MembershipSpec
        {
            ProbeTimeout = r.Duration("probeTimeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30)) ?? defaults.ProbeTimeout,
            MissedProbes = (int)(r.Integer("missedProbes", 1, 10) ?? defaults.MissedProbes),
            Votes = (int)(r.Integer("votes", 1, 10) ?? defaults.Votes),
        };
    }

    /// <summary>The provider given (Embedded when absent), or null when the value is invalid.</summary>
    private static StorageProvider? ReadStorage(YamlMappingReader r)
    {
        if (r.Value("storage") is not { } node)
        {
            return StorageProvider.Embedded;
        }

        switch (YamlScalars.Text(r.Sink, node, r.Name("storage")))
        {
            case null:
                return null;
            case "embedded":
                return StorageProvider.Embedded;
            case "redis":
                return StorageProvider.Redis;
            case var text:
                r.Sink.Add(node, $"cluster.storage: expected one of {string.Join(", ", StorageKinds)}, found {YamlScalars.Quote(text)}");
                return null;
        }
    }

    /// <summary>Why <paramref name="connection"/> is not a usable StackExchange.Redis connection string, or null.</summary>
    private static string? RedisProblem(string connection)
    {
        const string expected = "expected a Redis connection string such as 127.0.0.1:6379";
        if (string.IsNullOrWhiteSpace(connection))
        {
            return expected;
        }

        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(connection).EndPoints.Count == 0 ? expected : null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or NotSupportedException)
        {
            var reason = ex is ArgumentException { ParamName: { } param } ? ex.Message.Replace($" (Parameter '{param}')", "", StringComparison.Ordinal) : ex.Message;
            return $"not a Redis connection string ({reason.TrimEnd('.')})";
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ClusterIdPattern();
}
