using Testbed.Attacks.Faults;
using Testbed.Envelopes;
using Testbed.Hosting.Cluster;
using Testbed.Services.Payments;
using Testbed.Attacks.Hooks;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Cluster;

/// <summary>
/// A 2-silo embedded cluster whose services and wire read a <see cref="SteppedClock"/>: a delayed message is held until the
/// test moves the clock, so how long the wire held it is a fact of that clock, not a stopwatch reading.
/// </summary>
public sealed class FakeTimeClusterFixture : IAsyncLifetime
{
    internal SteppedClock Clock { get; } = new();

    public EmbeddedCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions
        {
            Silos = 2,
            Time = Clock,
            Payments = p =>
            {
                p.Seed = ClusterFixture.Seed;
                p.Accounts = ClusterFixture.Accounts;
                p.Customers = ClusterFixture.Accounts;
                p.InitialBalance = 10_000;
                p.PaymentShards = 2;
                p.IdempotentOrders = true;
            },
        });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    public ICustomer Customer(int index) => Cluster.Client.GetGrain<ICustomer>(index.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

[CollectionDefinition(Name)]
public sealed class FakeTimeClusterCollection : ICollectionFixture<FakeTimeClusterFixture>
{
    public const string Name = "embedded cluster on fake time";
}

/// <summary>Delays on the real cluster's wire (an interceptor's, the delay fault's), timed on the run's fake clock.</summary>
[Collection(FakeTimeClusterCollection.Name)]
public sealed class WireDelayTests(FakeTimeClusterFixture fixture)
{
    [Fact]
    public async Task Delay_interceptor_holds_the_message_for_exactly_its_delay_on_the_wires_clock()
    {
        var delay = TimeSpan.FromMilliseconds(300);
        using var _ = fixture.Cluster.Hooks.Attach(new RuleInterceptor(m =>
            m.Envelope is { Kind: EnvelopeKind.BalanceQuery, Sender: "customer/6" } ? InterceptDecision.DelayBy(delay) : InterceptDecision.Pass));
        var before = fixture.Clock.Count(delay);

        var read = fixture.Customer(6).ReadBalance();
        await fixture.Clock.WaitForTimersAsync(delay, before + 1, read); // the wire parked the query on its clock
        Assert.False(read.IsCompleted, "the read completed while its query was held");
        fixture.Clock.Advance(delay - TimeSpan.FromMilliseconds(1));
        Assert.False(read.IsCompleted);
        fixture.Clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(OutcomeStatus.Ok, (await read.WaitAsync(SteppedClock.Patience)).Status);
        Assert.Equal(before + 1, fixture.Clock.Count(delay)); // one hop held: the query; its reply was not
    }

    [Fact]
    public async Task Delay_fault_on_payments_traffic_holds_each_of_the_six_hops_of_a_transfer_in_turn()
    {
        var latency = TimeSpan.FromMilliseconds(40);
        var fault = FaultCatalog.Create("delay", new Dictionary<string, string> { ["latency"] = "40ms", ["targets"] = "payments/1" });
        var runtime = new FaultRuntime(fault, TimeSpan.Zero, TimeSpan.FromMinutes(5),
            new FaultContext(new Random(1), fixture.Clock, fixture.Cluster.Hooks, new EmbeddedNodeControl(fixture.Cluster)));
        using var window = new CancellationTokenSource();
        var running = runtime.RunAsync(window.Token);
        Assert.Contains((IWireInterceptor)fault, fixture.Cluster.Hooks.Interceptors); // a window from 0 opens before RunAsync first waits
        var before = fixture.Clock.Count(latency);

        // customer/1's orders go to payments/1: order, debit, credit and their three replies all touch it, one after another.
        var transfer = fixture.Customer(1).Transfer(new TransferCommand("fault-delay-0", PaymentsOptions.Account(2), 4));
        var held = 0;
        while (true)
        {
            await fixture.Clock.WaitForTimersAsync(latency, before + held + 1, transfer);
            if (transfer.IsCompleted)
            {
                break;
            }

            held++;
            Assert.Equal(before + held, fixture.Clock.Count(latency)); // one hop at a time
            fixture.Clock.Advance(latency);
        }

        var outcome = await transfer;
        await window.CancelAsync();
        await running;

        Assert.Equal(OutcomeStatus.Ok, outcome.Status);
        Assert.Equal(6, held);
        Assert.Equal(6, runtime.Conclude().Injected);
    }
}
