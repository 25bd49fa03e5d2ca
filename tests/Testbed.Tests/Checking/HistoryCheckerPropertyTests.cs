using CsCheck;
using Testbed.Checking;
using Testbed.History;
using Xunit;
using HistoryLog = Testbed.History.History;
using static Testbed.Tests.Checking.PaymentsScenario;

namespace Testbed.Tests.Checking;

public sealed class HistoryCheckerPropertyTests
{
    /// <summary>One client step. Kind: 0 = transfer ordered by a non-owner, 1-2 = read, else a transfer by the owner.</summary>
    private sealed record Step(int From, int To, long Amount, int Outcome, bool MaybeApplied, int Kind, int Process, int Delay);

    /// <summary>A simulated run plus what happened to each transfer (outcome null: still pending).</summary>
    private sealed record Execution(
        IReadOnlyList<HistoryOp> History,
        IReadOnlyList<AccountState> FinalState,
        IReadOnlyList<(TransferOrder Order, OpType? Outcome, bool Applied)> Transfers);

    private static readonly Gen<Step> GenStep = Gen.Select(
        Gen.Int[0, 5], Gen.Int[0, 5], Gen.Long[1, 300], Gen.Int[0, 3], Gen.Bool, Gen.Int[0, 9], Gen.Int[0, 3], Gen.Int[0, 4],
        (from, to, amount, outcome, maybe, kind, process, delay) => new Step(from, to, amount, outcome, maybe, kind, process, delay));

    private static readonly Gen<Execution> GenExecution = Gen.Select(Gen.Long[0, 500].Array[1, 6], GenStep.Array[0, 60], Simulate);

    /// <summary>
    /// A correct payment service: rejects (fail, not applied) orders by non-owners and overdrafts; otherwise ok means
    /// applied, fail means not applied, info or pending means applied or not at random. Completions arrive after a
    /// random delay, so ops of different processes interleave.
    /// </summary>
    private static Execution Simulate(long[] balances, Step[] steps)
    {
        var run = new PaymentsScenario(balances);
        var transfers = new List<(TransferOrder, OpType?, bool)>();
        var due = new List<(int At, TransferOrder Order, OpType Outcome, int Process)>();
        void CompleteDue(int now)
        {
            foreach (var completion in due.Where(d => d.At <= now).ToList())
            {
                run.Complete(completion.Order, completion.Outcome, completion.Process);
                due.Remove(completion);
            }
        }

        for (var i = 0; i < steps.Length; i++)
        {
            CompleteDue(i);
            var step = steps[i];
            int from = step.From % balances.Length, to = step.To % balances.Length;
            if (step.Kind is 1 or 2)
            {
                run.Read(from, step.Process + 10);
                continue;
            }

            var order = Order($"o-{i}", from, to, step.Amount, orderedBy: step.Kind == 0 ? from + 1 : from);
            run.Invoke(order, step.Process);
            var rejected = step.Kind == 0 || run.BalanceOf(from) < step.Amount;
            OpType? outcome = rejected ? OpType.Fail : step.Outcome switch
            {
                0 => OpType.Ok,
                1 => OpType.Fail,
                2 => OpType.Info,
                _ => null,
            };
            var applied = outcome == OpType.Ok || ((outcome is null or OpType.Info) && step.MaybeApplied);
            if (applied)
            {
                run.Apply(order);
            }

            transfers.Add((order, outcome, applied));
            if (outcome is { } type)
            {
                due.Add((i + step.Delay, order, type, step.Process));
            }
        }

        CompleteDue(int.MaxValue);
        return new Execution(run.History, run.FinalState, transfers);
    }

    [Fact]
    public void ValidExecutionsAlwaysPass()
    {
        GenExecution.Sample(execution =>
        {
            var report = HistoryChecker.Check(execution.History, execution.FinalState);
            var stats = report.Stats;
            return report.AllHold
                && stats.Invocations == stats.Ok + stats.Fail + stats.Info + stats.Pending
                && stats.Pending == execution.Transfers.Count(t => t.Outcome is null);
        }, iter: 300);
    }

    [Fact]
    public void EveryInjectedViolationIsCaught()
    {
        // Each sample asks for one mutation; one that cannot apply to its execution (nothing applied, acknowledged or
        // failed to pick) is skipped and counted as such, never swapped for another. Sample runs on several threads.
        var applied = new int[Mutations];
        var skipped = new int[Mutations];
        var gen = Gen.Select(GenExecution, Gen.Int[0, Mutations - 1], Gen.Int[0, 1_000], Gen.Long[1, 50]);
        gen.Sample((execution, mutation, pick, delta) =>
        {
            if (Inject(execution, mutation, pick, delta) is not { } injected)
            {
                Interlocked.Increment(ref skipped[mutation]);
                return;
            }

            var (state, expected) = injected;
            Interlocked.Increment(ref applied[mutation]);
            var report = HistoryChecker.Check(execution.History, state);
            Assert.False(report[expected].Holds, $"{expected} should be violated (mutation {mutation}):\n{report.Describe()}");
        }, iter: 300);

        Assert.Equal(300, applied.Sum() + skipped.Sum());
        Assert.All(Enumerable.Range(0, Mutations), m => Assert.True(applied[m] >= 10,
            $"mutation {m} applied {applied[m]} times (skipped {skipped[m]}): the checker was barely tested against it; applied: {string.Join(", ", applied)}"));
    }

    /// <summary>How many kinds of mutation <see cref="Inject"/> knows.</summary>
    private const int Mutations = 7;

    /// <summary>
    /// Tampers with the final state of a valid execution; returns the state and an invariant that must now fail, or null
    /// when <paramref name="mutation"/> has nothing to act on in this execution.
    /// </summary>
    private static (IReadOnlyList<AccountState> State, string Violated)? Inject(Execution execution, int mutation, int pick, long delta)
    {
        var state = execution.FinalState;
        var applied = execution.Transfers.Where(t => t.Applied).Select(t => t.Order).ToList();
        var acknowledged = execution.Transfers.Where(t => t.Outcome == OpType.Ok).Select(t => t.Order).ToList();
        var failed = execution.Transfers.Where(t => t.Outcome == OpType.Fail).Select(t => t.Order).ToList();
        static T Pick<T>(List<T> items, int pick) => items[pick % items.Count];

        switch (mutation)
        {
            case 0 or 1 or 3 when applied.Count == 0:
            case 4 when acknowledged.Count == 0:
            case 5 when failed.Count == 0:
                return null;
            case 0: // replay: apply an applied order again
                return (ApplyEntries(state, Pick(applied, pick)), Invariants.AtMostOnce);
            case 1: // tamper with the amount on both sides
                {
                    var order = Pick(applied, pick);
                    var tampered = RemoveEntries(state, order);
                    return (ApplyEntries(tampered, order with { Amount = order.Amount + delta }), Invariants.OwnerAuthorized);
                }

            case 2: // forge: an order nobody invoked
                {
                    var from = state[pick % state.Count].Account;
                    var to = state[(pick / 7) % state.Count].Account;
                    return (ApplyEntries(state, new TransferOrder("forged", from, to, delta, "customer/0")), Invariants.OwnerAuthorized);
                }

            case 3: // lose the credit message
                {
                    var order = Pick(applied, pick);
                    var credit = new AppliedEntry(order.OrderId, EntryDirection.Credit, order.Amount, order.From, order.OrderedBy);
                    return (Update(state, order.To, a => Without(a, credit)), Invariants.MoneyConserved);
                }

            case 4: // roll back an acknowledged transfer entirely
                return (RemoveEntries(state, Pick(acknowledged, pick)), Invariants.AcknowledgedDurable);
            case 5: // apply a transfer the client was told failed
                return (ApplyEntries(state, Pick(failed, pick)), Invariants.FailedNotApplied);
            case 6: // money appears out of nowhere
                return (Update(state, state[pick % state.Count].Account, a => a with { Balance = a.Balance + delta }), Invariants.MoneyConserved);
            default:
                throw new ArgumentOutOfRangeException(nameof(mutation), mutation, $"mutations are 0..{Mutations - 1}");
        }
    }

    private static IReadOnlyList<AccountState> Update(IReadOnlyList<AccountState> state, string account, Func<AccountState, AccountState> change) =>
        state.Select(a => a.Account == account ? change(a) : a).ToArray();

    private static IReadOnlyList<AccountState> ApplyEntries(IReadOnlyList<AccountState> state, TransferOrder order)
    {
        var debit = new AppliedEntry(order.OrderId, EntryDirection.Debit, order.Amount, order.To, order.OrderedBy);
        var credit = new AppliedEntry(order.OrderId, EntryDirection.Credit, order.Amount, order.From, order.OrderedBy);
        state = Update(state, order.From, a => a with { Applied = [.. a.Applied, debit], Balance = a.Balance - order.Amount });
        return Update(state, order.To, a => a with { Applied = [.. a.Applied, credit], Balance = a.Balance + order.Amount });
    }

    private static IReadOnlyList<AccountState> RemoveEntries(IReadOnlyList<AccountState> state, TransferOrder order)
    {
        state = Update(state, order.From, a => Without(a, new AppliedEntry(order.OrderId, EntryDirection.Debit, order.Amount, order.To, order.OrderedBy)));
        return Update(state, order.To, a => Without(a, new AppliedEntry(order.OrderId, EntryDirection.Credit, order.Amount, order.From, order.OrderedBy)));
    }

    private static AccountState Without(AccountState account, AppliedEntry entry)
    {
        var entries = account.Applied.ToList();
        Assert.True(entries.Remove(entry), $"{account.Account} has no entry {entry}");
        var undo = entry.Direction == EntryDirection.Debit ? entry.Amount : -entry.Amount;
        return account with { Applied = entries, Balance = account.Balance + undo };
    }

    [Fact]
    public void JsonLinesRoundTripOfRandomHistories()
    {
        GenExecution.Sample(execution =>
        {
            var log = new HistoryLog();
            foreach (var op in execution.History)
            {
                log.Append(op);
            }

            using var stream = new MemoryStream();
            log.WriteJsonLines(stream);
            stream.Position = 0;
            return HistoryLog.ReadJsonLines(stream).SequenceEqual(execution.History);
        }, iter: 100);
    }

    [Fact]
    public void HundredThousandOpHistoryIsCheckedInLinearTime()
    {
        const int accounts = 100, transfers = 40_000, reads = 10_000;
        var run = new PaymentsScenario(Enumerable.Repeat(1_000_000L, accounts).ToArray());
        for (var i = 0; i < transfers; i++)
        {
            var outcome = (i % 4) switch { 0 or 1 => OpType.Ok, 2 => OpType.Fail, _ => OpType.Info };
            run.Transfer($"o-{i}", i % accounts, (i * 7 + 1) % accounts, 1 + (i % 50), outcome, applied: outcome == OpType.Ok || i % 8 == 3, process: i % 32);
        }

        for (var i = 0; i < reads; i++)
        {
            run.Read(i % accounts, process: 100 + (i % 16));
        }

        run.Apply(Order("o-ghost", 1, 2, 5));
        var history = run.History;
        var state = run.FinalState;
        Assert.Equal(100_000, history.Count);

        var report = HistoryChecker.Check(history, state);

        Assert.Equal(new HistoryStats(Invocations: 50_000, Ok: 30_000, Fail: 10_000, Info: 10_000, Pending: 0), report.Stats);
        PaymentsScenario.AssertViolations(report, "o-ghost", Invariants.OwnerAuthorized);
    }
}
