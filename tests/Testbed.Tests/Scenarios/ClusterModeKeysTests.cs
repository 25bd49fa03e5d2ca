using Testbed.Scenarios;
using Xunit;
using static Testbed.Tests.Scenarios.ScenarioTestSupport;

namespace Testbed.Tests.Scenarios;

/// <summary>cluster.mode, clusterId, membership and transportTls: read, defaulted and refused at their positions.</summary>
public sealed class ClusterModeKeysTests
{
    [Fact]
    public void Defaults_are_embedded_without_membership_or_tls()
    {
        var cluster = Parse(Yaml("name: x", "seed: 1")).Cluster;
        Assert.Equal((ClusterMode.Embedded, null, null, false), (cluster.Mode, cluster.ClusterId, cluster.Membership, cluster.TransportTls));
    }

    [Fact]
    public void Processes_mode_reads_redis_cluster_id_membership_and_tls()
    {
        var cluster = Parse(Yaml("name: x", "seed: 1", "cluster:", "  mode: processes", "  clusterId: my-cluster", "  redis: 127.0.0.1:7000",
            "  transportTls: true", "  membership:", "    probeTimeout: 250ms", "    missedProbes: 2", "    votes: 1")).Cluster;
        Assert.Equal((ClusterMode.Processes, "my-cluster", "127.0.0.1:7000", true), (cluster.Mode, cluster.ClusterId, cluster.Redis, cluster.TransportTls));
        Assert.Equal(new MembershipSpec { ProbeTimeout = TimeSpan.FromMilliseconds(250), MissedProbes = 2, Votes = 1 }, cluster.Membership);
    }

    [Fact]
    public void Processes_mode_without_redis_leaves_it_to_the_runner()
    {
        var cluster = Parse(Yaml("name: x", "seed: 1", "cluster:", "  mode: processes")).Cluster;
        Assert.Null(cluster.Redis);
    }

    [Fact]
    public void Membership_defaults_fill_what_is_not_given()
    {
        var membership = Parse(Yaml("name: x", "seed: 1", "cluster:", "  membership:", "    votes: 3")).Cluster.Membership;
        Assert.Equal(MembershipSpec.Fast with { Votes = 3 }, membership);
    }

    [Fact]
    public void Unknown_mode_is_refused_at_the_value()
    {
        SingleError(Yaml("name: x", "seed: 1", "cluster:", "  mode: docker"), 4, 9, "cluster.mode", "embedded, processes, external", "docker");
    }

    [Fact]
    public void External_mode_needs_redis_and_a_cluster_id()
    {
        SingleError(Yaml("name: x", "seed: 1", "cluster:", "  mode: external", "  redis: 127.0.0.1:6379"), 4, 3, "cluster.mode", "cluster.clusterId");
    }

    [Fact]
    public void Cluster_id_is_refused_when_embedded()
    {
        SingleError(Yaml("name: x", "seed: 1", "cluster:", "  clusterId: abc"), 4, 3, "cluster.clusterId", "processes or external");
    }

    [Fact]
    public void Bad_cluster_id_is_refused_at_the_value()
    {
        SingleError(Yaml("name: x", "seed: 1", "cluster:", "  mode: processes", "  clusterId: \"a b\""), 5, 14, "cluster.clusterId", "a b");
    }

    [Theory]
    [InlineData("probeTimeout: 50ms", "cluster.membership.probeTimeout")]
    [InlineData("missedProbes: 0", "cluster.membership.missedProbes")]
    [InlineData("votes: 11", "cluster.membership.votes")]
    public void Membership_out_of_range_is_refused_at_the_value(string entry, string key)
    {
        // The value starts after "    <key>: ".
        SingleError(Yaml("name: x", "seed: 1", "cluster:", "  membership:", $"    {entry}"), 5, entry.IndexOf(':') + 7, key);
    }

    [Fact]
    public void Unknown_membership_key_is_refused()
    {
        SingleError(Yaml("name: x", "seed: 1", "cluster:", "  membership:", "    probes: 3"), 5, 5, "probes", "probeTimeout, missedProbes, votes");
    }

    [Fact]
    public void Mode_problem_is_checked_again_after_an_override()
    {
        var cluster = Parse(Yaml("name: x", "seed: 1")).Cluster with { Mode = ClusterMode.External };
        Assert.Contains("cluster.redis and cluster.clusterId", cluster.ModeProblem(), StringComparison.Ordinal);
        Assert.Null((cluster with { Redis = "127.0.0.1:6379", ClusterId = "c" }).ModeProblem());
    }
}
