using Testbed.Checking;
using Testbed.History;
using Xunit;
using static Testbed.Tests.Checking.PaymentsScenario;

namespace Testbed.Tests.Checking;

public sealed class HistoryCheckerTests
{
    [Fact]
    public void CleanHistoryPassesAllSixInvariants()
    {
        var run = new PaymentsScenario(100, 100, 100);
        run.Transfer("o-0-1", from: 0, to: 1, amount: 30, OpType.Ok, applied: true, process: 0);
        run.Transfer("o-1-1", from: 1, to: 2, amount: 50, OpType.Ok, applied: true, process: 1);
        run.Transfer("o-2-1", from: 2, to: 0, amount: 500, OpType.Fail, applied: false, process: 2);
        run.Transfer("o-2-2", from: 2, to: 0, amount: 10, OpType.Info, applied: true, process: 2);
        run.Transfer("o-0-2", from: 0, to: 2, amount: 5, OpType.Info, applied: false, process: 3);
        run.Transfer("o-1-2", from: 1, to: 0, amount: 7, outcome: null, applied: true, process: 4);
        run.Read(0, process: 5);
        run.Read(2, process: 5);

        var report = run.Check();

        Assert.True(report.AllHold, report.Describe());
        Assert.Equal(Invariants.All, report.Invariants.Select(r => r.Name));
        Assert.All(report.Invariants, r => Assert.Empty(r.Counterexamples));
        Assert.Equal(new HistoryStats(Invocations: 8, Ok: 4, Fail: 1, Info: 2, Pending: 1), report.Stats);
        Assert.Equal(87, run.BalanceOf(0));
    }

    [Fact]
    public void MoneyAppearingWithoutAnyEntryViolatesOnlyMoneyConserved()
    {
        var run = new PaymentsScenario(100, 100);
        run.Transfer("o-0-1", 0, 1, 40, OpType.Ok, applied: true);
        run.AdjustBalance(1, +50);

        var report = run.Check();

        AssertViolations(report, "account/1", Invariants.MoneyConserved);
        Assert.Contains("total final balance 250 but total initial balance 200: 50 created", report[Invariants.MoneyConserved].Counterexamples);
    }

    [Fact]
    public void LostCreditOfIndeterminateTransferViolatesOnlyMoneyConserved()
    {
        var run = new PaymentsScenario(100, 100);
        var order = run.Transfer("o-lost", 0, 1, 40, OpType.Info, applied: false);
        run.Debit(order.From, order.OrderId, order.Amount, order.To, order.OrderedBy);

        var report = run.Check();

        AssertViolations(report, "o-lost", Invariants.MoneyConserved);
        Assert.Contains(report[Invariants.MoneyConserved].Counterexamples, c => c.StartsWith("order o-lost: debited 40 but credited 0", StringComparison.Ordinal));
    }

    [Fact]
    public void LostCreditOfAcknowledgedTransferViolatesMoneyConservedAndDurability()
    {
        var run = new PaymentsScenario(100, 100);
        var order = run.Transfer("o-acked", 0, 1, 40, OpType.Ok, applied: false);
        run.Debit(order.From, order.OrderId, order.Amount, order.To, order.OrderedBy);

        var report = run.Check();

        AssertViolations(report, "o-acked", Invariants.MoneyConserved, Invariants.AcknowledgedDurable);
        Assert.Equal(
            "order o-acked: acknowledged ok (op #1) for 40 from account/0 to account/1 but no credit on account/1",
            Assert.Single(report[Invariants.AcknowledgedDurable].Counterexamples));
    }

    [Fact]
    public void OverdraftViolatesOnlyNoNegativeBalance()
    {
        var run = new PaymentsScenario(100, 0);
        run.Transfer("o-over", 0, 1, 150, OpType.Ok, applied: true);

        var report = run.Check();

        AssertViolations(report, "o-over", Invariants.NoNegativeBalance);
        Assert.Equal(
            "account/0 (owned by customer/0): final balance -50; last applied entry: order o-over debit 150",
            Assert.Single(report[Invariants.NoNegativeBalance].Counterexamples));
    }

    [Fact]
    public void ReplayedOrderViolatesOnlyAtMostOnce()
    {
        var run = new PaymentsScenario(100, 100);
        var order = run.Transfer("o-replayed", 0, 1, 20, OpType.Ok, applied: true);
        run.Apply(order);

        var report = run.Check();

        AssertViolations(report, "o-replayed", Invariants.AtMostOnce);
        Assert.Equal(
            "order o-replayed applied more than once: 2 debit(s) [account/0 -20, account/0 -20], 2 credit(s) [account/1 +20, account/1 +20]",
            Assert.Single(report[Invariants.AtMostOnce].Counterexamples));
    }

    [Fact]
    public void ReplayedCreditAloneViolatesAtMostOnceAndMoneyConserved()
    {
        var run = new PaymentsScenario(100, 100);
        var order = run.Transfer("o-credited-twice", 0, 1, 20, OpType.Ok, applied: true);
        run.Credit(order.To, order.OrderId, order.Amount, order.From, order.OrderedBy);

        var report = run.Check();

        AssertViolations(report, "o-credited-twice", Invariants.AtMostOnce, Invariants.MoneyConserved);
        Assert.Contains("1 debit(s) [account/0 -20], 2 credit(s) [account/1 +20, account/1 +20]", report[Invariants.AtMostOnce].Counterexamples[0]);
    }

    [Fact]
    public void TamperedPayerOfAcknowledgedOrderViolatesOwnerAuthorizedAndDurability()
    {
        var run = new PaymentsScenario(100, 100, 100);
        var order = Order("o-wrong-payer", 0, 1, 25);
        run.Invoke(order);
        run.Apply(order with { From = AccountId(2) });
        run.Complete(order, OpType.Ok);

        var report = run.Check();

        AssertViolations(report, "o-wrong-payer", Invariants.OwnerAuthorized, Invariants.AcknowledgedDurable);
        Assert.EndsWith("but no debit on account/0", Assert.Single(report[Invariants.AcknowledgedDurable].Counterexamples));
    }

    [Fact]
    public void TamperedAmountViolatesOnlyOwnerAuthorized()
    {
        var run = new PaymentsScenario(1000, 0);
        var order = Order("o-0-17", 0, 1, 17);
        run.Invoke(order);
        run.Apply(order with { Amount = 999 });
        run.Complete(order, OpType.Ok);

        var report = run.Check();

        AssertViolations(report, "o-0-17", Invariants.OwnerAuthorized);
        Assert.Equal(
            new[]
            {
                "order o-0-17: account/0 debited 999 to account/1 but customer/0 ordered 17 from account/0 to account/1 (op #0)",
                "order o-0-17: account/1 credited 999 from account/0 but customer/0 ordered 17 from account/0 to account/1 (op #0)",
            },
            report[Invariants.OwnerAuthorized].Counterexamples);
    }

    [Fact]
    public void TamperedRecipientOfAcknowledgedOrderViolatesOwnerAuthorizedAndDurability()
    {
        var run = new PaymentsScenario(100, 100, 100);
        var order = Order("o-redirected", 0, 1, 25);
        run.Invoke(order);
        run.Apply(order with { To = AccountId(2) });
        run.Complete(order, OpType.Ok);

        var report = run.Check();

        AssertViolations(report, "o-redirected", Invariants.OwnerAuthorized, Invariants.AcknowledgedDurable);
        Assert.Contains(
            "order o-redirected: account/2 credited 25 from account/0 but customer/0 ordered 25 from account/0 to account/1 (op #0)",
            report[Invariants.OwnerAuthorized].Counterexamples);
        Assert.EndsWith("(op #1) for 25 from account/0 to account/1 but no credit on account/1", Assert.Single(report[Invariants.AcknowledgedDurable].Counterexamples));
    }

    [Fact]
    public void TamperedRecipientOfIndeterminateOrderViolatesOnlyOwnerAuthorized()
    {
        var run = new PaymentsScenario(100, 100, 100);
        var order = Order("o-redirected", 0, 1, 25);
        run.Invoke(order);
        run.Apply(order with { To = AccountId(2) });
        run.Complete(order, OpType.Info);

        AssertViolations(run.Check(), "o-redirected", Invariants.OwnerAuthorized);
    }

    [Fact]
    public void OrderForgedByNonOwnerViolatesOnlyOwnerAuthorized()
    {
        var run = new PaymentsScenario(100, 100);
        run.Transfer("o-forged", from: 0, to: 1, amount: 60, OpType.Ok, applied: true, orderedBy: 1);

        var report = run.Check();

        AssertViolations(report, "o-forged", Invariants.OwnerAuthorized);
        Assert.Contains(
            "order o-forged: account/0 debited 60 to account/1 on an order by customer/1, but account/0 is owned by customer/0 (op #0)",
            report[Invariants.OwnerAuthorized].Counterexamples);
    }

    [Fact]
    public void EntryRecordedUnderADifferentOrdererThanInvokedViolatesOwnerAuthorized()
    {
        var run = new PaymentsScenario(100, 100);
        var order = Order("o-relabelled", 0, 1, 10, orderedBy: 1);
        run.Invoke(order);
        run.Apply(order with { OrderedBy = CustomerId(0) });
        run.Complete(order, OpType.Info);

        var report = run.Check();

        AssertViolations(report, "o-relabelled", Invariants.OwnerAuthorized);
        Assert.Contains("recorded as ordered by customer/0 but the order was issued by customer/1", report[Invariants.OwnerAuthorized].Counterexamples[0]);
    }

    [Fact]
    public void OrderNeverInvokedViolatesOnlyOwnerAuthorized()
    {
        var run = new PaymentsScenario(100, 100);
        run.Transfer("o-real", 1, 0, 5, OpType.Ok, applied: true);
        run.Apply(Order("o-ghost", 0, 1, 70));

        var report = run.Check();

        AssertViolations(report, "o-ghost", Invariants.OwnerAuthorized);
        Assert.Equal(
            "order o-ghost: account/0 debited 70 to account/1 (recorded as ordered by customer/0) but no transfer with this order id was ever invoked",
            report[Invariants.OwnerAuthorized].Counterexamples[0]);
    }

    [Fact]
    public void AcknowledgedTransferMissingFromStateViolatesOnlyAcknowledgedDurable()
    {
        var run = new PaymentsScenario(100, 100);
        run.Transfer("o-vanished", 0, 1, 30, OpType.Ok, applied: false);

        var report = run.Check();

        AssertViolations(report, "o-vanished", Invariants.AcknowledgedDurable);
        Assert.Equal(
            "order o-vanished: acknowledged ok (op #1) for 30 from account/0 to account/1 but no debit on account/0 and no credit on account/1",
            Assert.Single(report[Invariants.AcknowledgedDurable].Counterexamples));
    }

    [Fact]
    public void FailedTransferAppliedViolatesOnlyFailedNotApplied()
    {
        var run = new PaymentsScenario(100, 100);
        var order = Order("o-failed", 0, 1, 30);
        run.Invoke(order);
        run.Apply(order);
        run.Complete(order, OpType.Fail, error: "insufficient funds");

        var report = run.Check();

        AssertViolations(report, "o-failed", Invariants.FailedNotApplied);
        Assert.Equal(
            "order o-failed: completed fail (op #1: insufficient funds) but has 2 entries [account/0 -30, account/1 +30]",
            Assert.Single(report[Invariants.FailedNotApplied].Counterexamples));
    }

    [Theory]
    [InlineData(OpType.Info, true)]
    [InlineData(OpType.Info, false)]
    [InlineData(null, true)]
    [InlineData(null, false)]
    public void IndeterminateOrPendingTransferMayOrMayNotBeApplied(OpType? outcome, bool applied)
    {
        var run = new PaymentsScenario(100, 100);
        run.Transfer("o-maybe", 0, 1, 30, outcome, applied);

        var report = run.Check();

        Assert.True(report.AllHold, report.Describe());
        Assert.Equal(outcome is null ? 1 : 0, report.Stats.Pending);
    }

    [Fact]
    public void IndeterminateTransferAppliedTwiceStillViolatesAtMostOnce()
    {
        var run = new PaymentsScenario(100, 100);
        var order = run.Transfer("o-info-replayed", 0, 1, 30, OpType.Info, applied: true);
        run.Apply(order);

        AssertViolations(run.Check(), "o-info-replayed", Invariants.AtMostOnce);
    }

    [Fact]
    public void RetriedOrderIdIsAcknowledgedByAnyOkAttemptAndFailedOnlyWhenEveryAttemptFailed()
    {
        var run = new PaymentsScenario(100, 100);
        var retried = Order("o-retried", 0, 1, 10);
        run.Invoke(retried, process: 1);
        run.Complete(retried, OpType.Fail, process: 1);
        run.Invoke(retried, process: 2);
        run.Apply(retried);
        run.Complete(retried, OpType.Ok, process: 2);

        var doomed = Order("o-doomed", 1, 0, 5);
        run.Invoke(doomed, process: 1);
        run.Complete(doomed, OpType.Fail, process: 1);
        run.Invoke(doomed, process: 1);
        run.Complete(doomed, OpType.Fail, process: 1);

        Assert.True(run.Check().AllHold, run.Check().Describe());

        run.Apply(doomed);
        AssertViolations(run.Check(), "o-doomed", Invariants.FailedNotApplied);
    }

    [Fact]
    public void ConcurrentOpsAreMatchedByOrderIdNotByArrivalOrder()
    {
        var run = new PaymentsScenario(100, 100);
        var first = Order("o-first", 0, 1, 10);
        var second = Order("o-second", 1, 0, 20);
        run.Invoke(first, process: 7);
        run.Invoke(second, process: 7);
        run.Complete(second, OpType.Fail, process: 7);
        run.Apply(first);
        run.Complete(first, OpType.Ok, process: 7);

        var report = run.Check();

        Assert.True(report.AllHold, report.Describe());
        Assert.Equal(new HistoryStats(2, 1, 1, 0, 0), report.Stats);
    }

    [Fact]
    public void StatsIgnoreOrphanAndDuplicateCompletionsAndCountReads()
    {
        var run = new PaymentsScenario(100, 100);
        var order = run.Transfer("o-0-1", 0, 1, 10, OpType.Ok, applied: true, process: 1);
        run.Complete(order, OpType.Fail, process: 1); // second completion of the same invoke: ignored
        run.Complete(Order("o-orphan", 0, 1, 99), OpType.Ok, process: 2); // never invoked: ignored, so not "acknowledged"
        run.Append(new HistoryOp { Process = 3, Type = OpType.Ok, Function = OpFunction.Read, Account = AccountId(0), Balance = 1 });
        run.Read(1, process: 4);
        run.Append(new HistoryOp { Process = 5, Type = OpType.Invoke, Function = OpFunction.Read, Account = AccountId(0) });
        run.Append(new HistoryOp { Process = 6, Type = OpType.Invoke, Function = OpFunction.Read, Account = AccountId(1) });
        run.Append(new HistoryOp { Process = 6, Type = OpType.Info, Function = OpFunction.Read, Account = AccountId(1), Error = "timeout" });

        var report = run.Check();

        Assert.True(report.AllHold, report.Describe());
        Assert.Equal(new HistoryStats(Invocations: 4, Ok: 2, Fail: 0, Info: 1, Pending: 1), report.Stats);
    }

    [Fact]
    public void CounterexamplesAreCappedButViolationStillReported()
    {
        var run = new PaymentsScenario(1000, 1000);
        for (var i = 0; i < 10; i++)
        {
            run.Apply(Order($"o-ghost-{i}", 0, 1, 1));
        }

        Assert.Equal(3, run.Check(maxCounterexamples: 3)[Invariants.OwnerAuthorized].Counterexamples.Count);
        Assert.Equal(20, run.Check(maxCounterexamples: 100)[Invariants.OwnerAuthorized].Counterexamples.Count);
        var silent = run.Check(maxCounterexamples: 0)[Invariants.OwnerAuthorized];
        Assert.False(silent.Holds);
        Assert.Empty(silent.Counterexamples);
        Assert.Throws<ArgumentOutOfRangeException>(() => run.Check(maxCounterexamples: -1));
    }

    [Fact]
    public void AccountMissingFromFinalStateIsReportedForAcknowledgedTransfer()
    {
        var run = new PaymentsScenario(100);
        run.Invoke(new TransferOrder("o-elsewhere", AccountId(0), "account/9", 5, CustomerId(0)));
        run.Complete(new TransferOrder("o-elsewhere", AccountId(0), "account/9", 5, CustomerId(0)), OpType.Ok);

        var report = run.Check();

        AssertViolations(report, "account/9 is not in the final state", Invariants.AcknowledgedDurable);
    }

    [Fact]
    public void ReportDescribesEveryInvariantAndLooksUpByName()
    {
        var run = new PaymentsScenario(100, 100);
        run.Transfer("o-vanished", 0, 1, 30, OpType.Ok, applied: false);

        var report = run.Check();
        var text = report.Describe();

        Assert.Contains("FAIL acknowledged-durable", text);
        Assert.Contains("PASS money-conserved", text);
        Assert.Contains("- order o-vanished", text);
        Assert.Equal(Invariants.All.Count, Invariants.All.Distinct().Count());
        Assert.All(Invariants.All, name => Assert.False(string.IsNullOrWhiteSpace(Invariants.Describe(name))));
        Assert.Throws<KeyNotFoundException>(() => report["no-such-invariant"]);
        Assert.Throws<ArgumentException>(() => Invariants.Describe("no-such-invariant"));
    }
}
