using Testbed.Storage;
using Xunit;
using static Testbed.Tests.Scenarios.ScenarioTestSupport;

namespace Testbed.Tests.Scenarios;

/// <summary>cluster.storage, cluster.redis and workload.retries.</summary>
public sealed class ScenarioStorageKeysTests
{
    [Fact]
    public void Defaults_are_embedded_storage_and_two_retries()
    {
        var scenario = Parse(Yaml("name: x", "seed: 1"));
        Assert.Equal(StorageProvider.Embedded, scenario.Cluster.Storage);
        Assert.Null(scenario.Cluster.Redis);
        Assert.Equal(2, scenario.Workload.Retries);
    }

    [Fact]
    public void Redis_storage_takes_a_connection_string_or_the_local_default()
    {
        var given = Parse(Yaml("name: x", "seed: 1", "cluster: { silos: 3, storage: redis, redis: \"10.1.2.3:6380,connectTimeout=2000\" }", "workload:", "  retries: 10"));
        Assert.Equal(StorageProvider.Redis, given.Cluster.Storage);
        Assert.Equal("10.1.2.3:6380,connectTimeout=2000", given.Cluster.Redis);
        Assert.Equal(3, given.Cluster.Silos);
        Assert.Equal(10, given.Workload.Retries);

        var local = Parse(Yaml("name: x", "seed: 1", "cluster:", "  storage: redis"));
        Assert.Equal(TestbedStorageOptions.DefaultRedis, local.Cluster.Redis);
        Assert.Equal(StorageProvider.Embedded, Parse(Yaml("name: x", "seed: 1", "cluster:", "  storage: embedded")).Cluster.Storage);
    }

    [Fact]
    public void Unknown_storage_is_named_with_the_known_ones()
    {
        SingleError(Yaml("name: x", "seed: 1", "cluster:", "  storage: disk"), 4, 12, "cluster.storage: expected one of embedded, redis, found 'disk'");
    }

    [Fact]
    public void Redis_address_without_redis_storage_is_refused_at_the_key()
    {
        SingleError(Yaml("name: x", "seed: 1", "cluster:", "  redis: 127.0.0.1:6379"), 4, 3, "cluster.redis: only allowed when storage is redis");
    }

    [Theory]
    [InlineData("\"\"", "expected a Redis connection string such as 127.0.0.1:6379")]
    [InlineData("\"127.0.0.1:6379,bogus=1\"", "not a Redis connection string")]
    public void Bad_redis_connection_string_is_positioned_at_the_value(string value, string fragment)
    {
        SingleError(Yaml("name: x", "seed: 1", "cluster:", "  storage: redis", $"  redis: {value}"), 5, 10, "cluster.redis", fragment);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("11")]
    public void Retries_out_of_range_are_refused(string value)
    {
        SingleError(Yaml("name: x", "seed: 1", "workload:", $"  retries: {value}"), 4, 12, "workload.retries", "0..10");
    }

    [Fact]
    public void Unknown_cluster_key_lists_the_storage_keys()
    {
        SingleError(Yaml("name: x", "seed: 1", "cluster:", "  store: redis"), 4, 3, "allowed keys: mode, clusterId, silos, storage, redis");
    }
}
