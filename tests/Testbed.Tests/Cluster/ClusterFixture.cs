using Testbed.Hosting.Cluster;
using Testbed.Services.Payments;
using Testbed.Workload;
using Xunit;

namespace Testbed.Tests.Cluster;

/// <summary>One 2-silo embedded cluster shared by the wire tests (each test uses its own customers and order ids).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int Seed = 7;
    public const int Accounts = 12;

    public EmbeddedCluster Cluster { get; private set; } = null!;

    public CustomerDirectory Customers { get; } = new(Seed, Accounts);

    public async Task InitializeAsync() =>
        Cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions
        {
            Silos = 2,
            Payments = p =>
            {
                p.Seed = Seed;
                p.Accounts = Accounts;
                p.Customers = Accounts;
                p.InitialBalance = 10_000;
                p.PaymentShards = 2;
                p.IdempotentOrders = true;
            },
        });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    public ICustomer Customer(int index) => Cluster.Client.GetGrain<ICustomer>(index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public Task<AccountSnapshot> Account(int index) =>
        Cluster.Client.GetGrain<IAccountAudit>(index.ToString(System.Globalization.CultureInfo.InvariantCulture)).Snapshot();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "embedded cluster";
}
