using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Testbed.Services.Payments;
using Testbed.Storage;
using Xunit;

namespace Testbed.Tests.Storage;

/// <summary>The embedded store: serialized records with optimistic concurrency by ETag.</summary>
public sealed class EmbeddedStateStoreTests
{
    private static readonly GrainId Grain = GrainId.Create("account", "1");

    private static EmbeddedGrainStorage Provider(EmbeddedStateStore store)
    {
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        return new EmbeddedGrainStorage(store, new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()),
            services.GetRequiredService<IActivatorProvider>());
    }

    private static LedgerEntry Entry(string id) => new(id, true, 5, "account/2", "customer/1");

    [Fact]
    public void Create_update_and_delete_each_need_the_current_etag()
    {
        var store = new EmbeddedStateStore();
        var first = store.Write("k", null, [1]);
        Assert.Throws<InconsistentStateException>(() => store.Write("k", null, [2]));

        var second = store.Write("k", first, [3]);
        Assert.NotEqual(first, second);
        Assert.Throws<InconsistentStateException>(() => store.Write("k", first, [4]));
        Assert.Equal([3], store.Read("k")!.Data);
        Assert.Equal(second, store.Read("k")!.ETag);

        Assert.Throws<InconsistentStateException>(() => store.Delete("k", first));
        store.Delete("k", second);
        Assert.Null(store.Read("k"));
        Assert.Throws<InconsistentStateException>(() => store.Write("k", second, [5]));
        store.Write("k", "", [6]);
        Assert.Equal(3, store.Writes);
        Assert.Equal(3, store.BytesWritten);
    }

    [Fact]
    public async Task Provider_stores_bytes_not_the_live_object_and_refuses_a_stale_etag()
    {
        var store = new EmbeddedStateStore();
        var storage = Provider(store);
        var empty = new GrainState<AccountLedgerState>();
        await storage.ReadStateAsync("ledger", Grain, empty);
        Assert.False(empty.RecordExists);
        Assert.NotNull(empty.State);

        var state = new GrainState<AccountLedgerState>(new AccountLedgerState { Balance = 95, SealedPages = 1, OpenPage = [Entry("o-1")] });
        await storage.WriteStateAsync("ledger", Grain, state);
        state.State!.OpenPage.Add(Entry("o-2")); // a change that was never written
        state.State.Balance = 0;

        var read = new GrainState<AccountLedgerState>();
        await storage.ReadStateAsync("ledger", Grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal(95, read.State!.Balance);
        Assert.Equal([Entry("o-1")], read.State.OpenPage);
        Assert.Equal(["account/1/ledger"], store.Keys());

        await storage.WriteStateAsync("ledger", Grain, read);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("ledger", Grain, state));
    }

    [Fact]
    public async Task State_pages_rewrite_a_page_left_by_an_unacknowledged_write()
    {
        var store = new EmbeddedStateStore();
        var storage = Provider(store);
        var first = new StatePages<LedgerEntry>(Grain, "ledger-page", storage);
        Assert.Null(await first.ReadAsync(0));
        await first.WriteAsync(0, [Entry("a")]);

        // A later activation that never saw that write (its head did not count the page) seals page 0 again.
        var second = new StatePages<LedgerEntry>(Grain, "ledger-page", storage);
        await second.WriteAsync(0, [Entry("b"), Entry("c")]);
        Assert.Equal([Entry("b"), Entry("c")], await new StatePages<LedgerEntry>(Grain, "ledger-page", storage).ReadAsync(0));

        // The first activation is stale now: its rewrite is refused.
        await Assert.ThrowsAsync<InconsistentStateException>(() => first.WriteAsync(0, [Entry("d")]));
    }
}
