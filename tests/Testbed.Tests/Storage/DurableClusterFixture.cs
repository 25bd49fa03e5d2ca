using System.Globalization;
using Testbed.Hosting.Cluster;
using Testbed.Services.Payments;
using Testbed.Storage;
using Xunit;

namespace Testbed.Tests.Storage;

/// <summary>
/// One 3-silo embedded cluster with embedded storage and tiny ledger pages (4 entries), shared by the durable-state tests;
/// each test uses its own customers and accounts. Tests may kill a silo: they start a replacement before they end.
/// </summary>
public sealed class DurableClusterFixture : IAsyncLifetime
{
    public const int Seed = 9;
    public const int Accounts = 12;
    public const int PageSize = 4;

    public EmbeddedCluster Cluster { get; private set; } = null!;

    public EmbeddedStateStore Store => Cluster.Store!;

    public async Task InitializeAsync() =>
        Cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions
        {
            Silos = 3,
            Payments = p =>
            {
                p.Seed = Seed;
                p.Accounts = Accounts;
                p.Customers = Accounts;
                p.InitialBalance = 10_000;
                p.IdempotentOrders = true;
            },
            Storage = new TestbedStorageOptions { LedgerPageSize = PageSize },
            ResponseTimeout = TimeSpan.FromSeconds(5),
        });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    public ICustomer Customer(int index) => Cluster.Client.GetGrain<ICustomer>(index.ToString(CultureInfo.InvariantCulture));

    public Task<AccountSnapshot> Account(int index) =>
        Cluster.Client.GetGrain<IAccountAudit>(index.ToString(CultureInfo.InvariantCulture)).Snapshot();
}

[CollectionDefinition(Name)]
public sealed class DurableClusterCollection : ICollectionFixture<DurableClusterFixture>
{
    public const string Name = "durable cluster";
}

/// <summary>Helpers for tests that kill silos.</summary>
internal static class Survival
{
    /// <summary>
    /// Calls until the cluster answers: right after a kill, calls to grains of the dead silo fail until membership declares
    /// it dead. Gives up (rethrowing) after <paramref name="attempts"/> calls.
    /// </summary>
    public static async Task<T> UntilAnswered<T>(Func<Task<T>> call, int attempts = 80)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception) when (attempt < attempts)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>The index of a non-primary silo currently hosting <paramref name="principal"/>, or -1.</summary>
    public static int NonPrimaryHost(EmbeddedCluster cluster, string principal)
    {
        var host = cluster.HostingSilo(principal);
        var names = cluster.SiloNames;
        for (var i = 1; i < names.Count; i++)
        {
            if (names[i] == host)
            {
                return i;
            }
        }

        return -1;
    }
}
