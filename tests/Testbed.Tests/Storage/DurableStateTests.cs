using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Testbed.Services.Payments;
using Testbed.Storage;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Storage;

/// <summary>Account balances and entries outlive their activation and their silo; a stale write is refused, never acknowledged.</summary>
[Collection(DurableClusterCollection.Name)]
public sealed class DurableStateTests(DurableClusterFixture fixture)
{
    private async Task<string[]> TransferAsync(int customer, string prefix, int count, long amount = 5)
    {
        var ids = Enumerable.Range(0, count).Select(n => $"{prefix}-{n}").ToArray();
        foreach (var id in ids)
        {
            var to = PaymentsOptions.Account((customer + 1) % DurableClusterFixture.Accounts);
            var outcome = await fixture.Customer(customer).Transfer(new TransferCommand(id, to, amount));
            Assert.True(outcome.Status == OutcomeStatus.Ok, $"{id}: {outcome.Status} {outcome.Error}");
        }

        return ids;
    }

    private static void AssertSameLedger(AccountSnapshot expected, AccountSnapshot actual)
    {
        Assert.Equal(expected.Balance, actual.Balance);
        Assert.Equal(expected.Entries, actual.Entries);
    }

    [Fact]
    public async Task State_survives_deactivation_across_sealed_pages_and_keeps_orders_idempotent()
    {
        var ids = await TransferAsync(0, "deactivate", 10);
        var before = await fixture.Account(0);
        Assert.Equal(10_000 - 50, before.Balance);
        Assert.Equal(ids, before.Entries.Where(e => e.IsDebit).Select(e => e.OrderId));

        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.FromMilliseconds(1));
        Assert.Null(fixture.Cluster.HostingSilo("account/0"));

        // 10 entries on account 0 at 4 per page: two sealed pages and an open one, all read back on activation.
        Assert.Contains("account/0/ledger-page.1", fixture.Store.Keys());
        AssertSameLedger(before, await fixture.Account(0));

        // The applied-order set was rebuilt from the stored entries: a repeated order id is acknowledged, not applied again.
        var repeat = await fixture.Customer(0).Transfer(new TransferCommand(ids[0], PaymentsOptions.Account(1), 5));
        Assert.Equal(OutcomeStatus.Ok, repeat.Status);
        AssertSameLedger(before, await fixture.Account(0));
    }

    [Fact]
    public async Task Account_reactivates_on_another_silo_after_its_silo_is_killed()
    {
        var customer = -1;
        var victim = -1;
        for (var c = 2; c < 6 && victim < 0; c++)
        {
            await TransferAsync(c, $"kill-{c}", 6);
            victim = Survival.NonPrimaryHost(fixture.Cluster, PaymentsOptions.Account(c));
            customer = c;
        }

        Assert.True(victim > 0, "no account of customers 2..5 is on a non-primary silo");
        var killed = fixture.Cluster.SiloNames[victim];
        var before = await fixture.Account(customer);
        await fixture.Cluster.KillSiloAsync(victim);
        try
        {
            var after = await Survival.UntilAnswered(() => fixture.Account(customer));
            AssertSameLedger(before, after);
            var host = fixture.Cluster.HostingSilo(PaymentsOptions.Account(customer));
            Assert.NotNull(host);
            Assert.NotEqual(killed, host);

            var more = await Survival.UntilAnswered(() => fixture.Customer(customer).Transfer(
                new TransferCommand($"kill-{customer}-after", PaymentsOptions.Account((customer + 1) % DurableClusterFixture.Accounts), 5)));
            Assert.Equal(OutcomeStatus.Ok, more.Status);
            Assert.Equal(before.Balance - 5, (await fixture.Account(customer)).Balance);
        }
        finally
        {
            await fixture.Cluster.StartSiloAsync();
        }
    }

    [Fact]
    public async Task A_write_after_someone_else_wrote_is_a_conflict_the_account_reloads_and_the_resent_leg_applies_once()
    {
        await TransferAsync(6, "etag", 2);
        var before = await fixture.Account(6);

        // Another writer (as a second activation would) updates the account's stored head behind its back.
        var storage = fixture.Cluster.SiloServices(0).GetRequiredKeyedService<IGrainStorage>(TestbedStorageOptions.StorageName);
        var grain = PrincipalAddress.ToGrainId("account/6");
        var stored = new GrainState<AccountLedgerState>();
        await storage.ReadStateAsync("ledger", grain, stored);
        var staleETag = stored.ETag;
        await storage.WriteStateAsync("ledger", grain, stored);
        var stale = new GrainState<AccountLedgerState>(stored.State) { ETag = staleETag };
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("ledger", grain, stale));

        // The stale activation's write is refused (never acknowledged) and the activation goes away; the payment service
        // resends the debit with the same order id to the reloaded account, which applies it once.
        var conflicted = await fixture.Customer(6).Transfer(new TransferCommand("etag-conflict", PaymentsOptions.Account(7), 5));
        Assert.Equal(OutcomeStatus.Ok, conflicted.Status);
        var after = await fixture.Account(6);
        AssertSameLedger(before, after with { Balance = after.Balance + 5, Entries = after.Entries.Where(e => e.OrderId != "etag-conflict").ToArray() });
        Assert.Equal(before.Balance - 5, after.Balance);
        Assert.Single(after.Entries, e => e.OrderId == "etag-conflict");
        Assert.Single((await fixture.Account(7)).Entries, e => e.OrderId == "etag-conflict");
    }
}
