using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Testbed.Defenses.Replay;
using Testbed.Storage;
using Xunit;

namespace Testbed.Tests.Storage;

/// <summary>The replay horizon register over the embedded grain storage provider, as two silos sharing one store see it.</summary>
public class GrainStorageReplayHorizonStoreTests
{
    private static GrainStorageReplayHorizonStore Silo(EmbeddedStateStore store)
    {
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        return new GrainStorageReplayHorizonStore(new EmbeddedGrainStorage(store,
            new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()), services.GetRequiredService<IActivatorProvider>()));
    }

    [Fact]
    public async Task The_lease_outlives_the_silo_that_wrote_it_and_only_grows()
    {
        var store = new EmbeddedStateStore();
        var a = Silo(store);
        var b = Silo(store);
        Assert.Null(await a.ReadAsync("account/1"));

        Assert.Equal(1_000, await a.ExtendAsync("account/1", 1_000));
        Assert.Equal(1_000, await b.ReadAsync("account/1")); // e.g. the account reactivated on another silo
        Assert.Equal(1_000, await b.ExtendAsync("account/1", 500)); // never lowered by an extension
        Assert.Equal(2_000, await b.ExtendAsync("account/1", 2_000));

        Assert.Equal(3_000, await a.ExtendAsync("account/1", 3_000)); // a's ETag is stale: it rereads and writes the maximum
        Assert.Equal(3_000, await Silo(store).ReadAsync("account/1"));
        Assert.Equal(["replayhorizon/account/1/horizon"], store.Keys());
    }

    [Fact]
    public async Task A_close_lowers_only_the_lease_this_silo_last_wrote()
    {
        var store = new EmbeddedStateStore();
        var a = Silo(store);
        var b = Silo(store);
        await a.ExtendAsync("payments/0", 1_000);
        Assert.True(await a.CloseAsync("payments/0", 1_000, 400));
        Assert.Equal(400, await b.ReadAsync("payments/0"));

        await a.ExtendAsync("payments/0", 2_000);
        await b.ExtendAsync("payments/0", 5_000); // another activation relied on a later lease
        Assert.False(await a.CloseAsync("payments/0", 2_000, 1_500));
        Assert.Equal(5_000, await Silo(store).ReadAsync("payments/0"));
    }
}
