using System.Globalization;
using Testbed.Hosting.Cluster;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Testbed.Services.Payments;
using Testbed.Storage;
using Xunit;

namespace Testbed.Tests.Storage;

/// <summary>The Redis provider (Microsoft.Orleans.Persistence.Redis) against a real local redis-server.</summary>
public sealed class RedisStorageTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [RedisFact]
    public async Task Scenario_with_redis_storage_passes_and_keeps_account_state_in_redis()
    {
        var scenario = ScenarioLoader.Parse(
            $"name: on-redis\nseed: 3\ncluster:\n  silos: 2\n  storage: redis\n  redis: \"{redis.Connection}\"\n"
            + "workload:\n  accounts: 6\n  operations: 300\nexpect:\n  invariants: all\n",
            "on-redis.yaml", TestbedCatalog.Default);
        var keysBefore = await redis.KeyCountAsync();

        var result = await ScenarioRunner.RunAsync(scenario);

        Assert.True(result.Passed, string.Join("; ", result.Expectations.Where(e => !e.Passed).Select(e => $"{e.Name}: {e.Detail}")));
        Assert.Equal("redis", result.Storage.Provider);
        Assert.True(await redis.KeyCountAsync() >= keysBefore + 6, "every account's ledger should be a key in redis");
    }

    [RedisFact]
    public async Task Account_state_in_redis_survives_a_silo_kill()
    {
        await using var cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions
        {
            Silos = 2,
            Payments = p =>
            {
                p.Seed = 4;
                p.Accounts = 6;
                p.Customers = 6;
            },
            Storage = new TestbedStorageOptions { Provider = StorageProvider.Redis, Redis = redis.Connection, LedgerPageSize = 4 },
            ResponseTimeout = TimeSpan.FromSeconds(5),
        });
        Assert.Null(cluster.Store);
        ICustomer Customer(int i) => cluster.Client.GetGrain<ICustomer>(i.ToString(CultureInfo.InvariantCulture));
        Task<AccountSnapshot> Account(int i) => cluster.Client.GetGrain<IAccountAudit>(i.ToString(CultureInfo.InvariantCulture)).Snapshot();

        var customer = -1;
        for (var c = 0; c < 4 && customer < 0; c++)
        {
            for (var n = 0; n < 6; n++)
            {
                var outcome = await Customer(c).Transfer(new TransferCommand($"redis-{c}-{n}", PaymentsOptions.Account(5), 10));
                Assert.Equal(OutcomeStatus.Ok, outcome.Status);
            }

            customer = Survival.NonPrimaryHost(cluster, PaymentsOptions.Account(c)) > 0 ? c : -1;
        }

        Assert.True(customer >= 0, "no account of customers 0..3 is on the non-primary silo");
        var before = await Account(customer);
        Assert.Equal(6, before.Entries.Count);

        await cluster.KillSiloAsync(1);
        var after = await Survival.UntilAnswered(() => Account(customer));

        Assert.Equal(before.Balance, after.Balance);
        Assert.Equal(before.Entries, after.Entries);
        Assert.Equal(cluster.SiloNames[0], cluster.HostingSilo(PaymentsOptions.Account(customer)));
    }
}
