using Testbed.History;

namespace Testbed.Checking;

/// <summary>
/// Checks a payments history plus the final account state against <see cref="Invariants.All"/>.
/// Runs in time linear in the number of ops and entries.
/// </summary>
/// <remarks>
/// Completions are matched to invokes as described on <see cref="HistoryStats"/>: orphan and duplicate completions
/// are ignored. An order id may be invoked more than once (a client retrying with the same id); it counts as
/// acknowledged when any attempt completed ok and as definitely failed only when every attempt completed with fail.
/// Info and pending transfers may or may not be applied; if applied they must still be authorized and applied once.
/// Reads only contribute to the stats.
/// </remarks>
public static class HistoryChecker
{
    /// <summary>Checks every invariant; each result keeps at most <paramref name="maxCounterexamples"/> messages.</summary>
    public static CheckReport Check(IReadOnlyList<HistoryOp> history, IReadOnlyList<AccountState> finalState, int maxCounterexamples = 5)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(finalState);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCounterexamples);

        var index = HistoryIndex.Build(history);
        var ledger = Ledger.Build(finalState);
        var results = new[]
        {
            CheckMoneyConserved(ledger, maxCounterexamples),
            CheckNoNegativeBalance(ledger, maxCounterexamples),
            CheckAtMostOnce(ledger, maxCounterexamples),
            CheckOwnerAuthorized(index, ledger, maxCounterexamples),
            CheckAcknowledgedDurable(index, ledger, maxCounterexamples),
            CheckFailedNotApplied(index, ledger, maxCounterexamples),
        };
        return new CheckReport(results, index.Stats);
    }

    private static InvariantResult CheckMoneyConserved(Ledger ledger, int max)
    {
        var found = new Counterexamples(Invariants.MoneyConserved, max);
        Int128 initial = 0, final = 0;
        foreach (var account in ledger.Accounts)
        {
            initial += account.InitialBalance;
            final += account.Balance;
        }

        if (initial == final)
        {
            return found.ToResult();
        }

        var delta = final - initial;
        found.Add($"total final balance {final} but total initial balance {initial}: "
            + $"{Int128.Abs(delta)} {(delta > 0 ? "created" : "destroyed")}");

        // Locate the leak: orders whose debits and credits differ, then accounts whose balance their entries don't explain.
        foreach (var orderId in ledger.OrderIds)
        {
            Int128 debited = 0, credited = 0;
            var entries = ledger.EntriesFor(orderId);
            foreach (var entry in entries)
            {
                if (entry.IsDebit)
                {
                    debited += entry.Entry.Amount;
                }
                else
                {
                    credited += entry.Entry.Amount;
                }
            }

            if (debited != credited)
            {
                found.Add($"order {orderId}: debited {debited} but credited {credited} "
                    + $"[{string.Join(", ", entries.Select(e => e.Short()))}]");
            }
        }

        foreach (var account in ledger.Accounts)
        {
            Int128 expected = account.InitialBalance;
            foreach (var entry in account.Applied ?? [])
            {
                if (entry is not null)
                {
                    expected += entry.Direction == EntryDirection.Debit ? -(Int128)entry.Amount : entry.Amount;
                }
            }

            if (expected != account.Balance)
            {
                found.Add($"{account.Account}: final balance {account.Balance} but initial balance {account.InitialBalance} "
                    + $"plus its {account.Applied?.Count ?? 0} applied entries gives {expected}");
            }
        }

        return found.ToResult();
    }

    private static InvariantResult CheckNoNegativeBalance(Ledger ledger, int max)
    {
        var found = new Counterexamples(Invariants.NoNegativeBalance, max);
        foreach (var account in ledger.Accounts)
        {
            if (account.Balance >= 0)
            {
                continue;
            }

            var last = account.Applied?.LastOrDefault(entry => entry is not null);
            var cause = last is null
                ? "no applied entries"
                : $"last applied entry: order {last.OrderId} {(last.Direction == EntryDirection.Debit ? "debit" : "credit")} {last.Amount}";
            found.Add($"{account.Account} (owned by {account.Owner}): final balance {account.Balance}; {cause}");
        }

        return found.ToResult();
    }

    private static InvariantResult CheckAtMostOnce(Ledger ledger, int max)
    {
        var found = new Counterexamples(Invariants.AtMostOnce, max);
        foreach (var orderId in ledger.OrderIds)
        {
            var entries = ledger.EntriesFor(orderId);
            var debits = entries.Count(e => e.IsDebit);
            if (debits <= 1 && entries.Count - debits <= 1)
            {
                continue;
            }

            var debitEntries = entries.Where(e => e.IsDebit).Select(e => e.Short()).ToList();
            var creditEntries = entries.Where(e => !e.IsDebit).Select(e => e.Short()).ToList();
            found.Add($"order {orderId} applied more than once: {debitEntries.Count} debit(s) [{string.Join(", ", debitEntries)}], "
                + $"{creditEntries.Count} credit(s) [{string.Join(", ", creditEntries)}]");
        }

        return found.ToResult();
    }

    private static InvariantResult CheckOwnerAuthorized(HistoryIndex index, Ledger ledger, int max)
    {
        var found = new Counterexamples(Invariants.OwnerAuthorized, max);
        foreach (var orderId in ledger.OrderIds)
        {
            var invokes = index.Orders.TryGetValue(orderId, out var attempts) ? attempts.Invokes : [];
            foreach (var entry in ledger.EntriesFor(orderId))
            {
                if (Unauthorized(entry, invokes, ledger) is { } violation)
                {
                    found.Add(violation);
                }
            }
        }

        return found.ToResult();
    }

    /// <summary>Null when some invoke of the entry's order matches it and was issued by the payer's owner; else why not.</summary>
    private static string? Unauthorized(LedgerEntry ledgerEntry, IReadOnlyList<HistoryOp> invokes, Ledger ledger)
    {
        var entry = ledgerEntry.Entry;
        var described = $"order {entry.OrderId}: {ledgerEntry}";
        if (invokes.Count == 0)
        {
            return $"{described} (recorded as ordered by {entry.OrderedBy}) but no transfer with this order id was ever invoked";
        }

        string? best = null;
        var bestRank = -1;
        foreach (var invoke in invokes)
        {
            var order = invoke.Transfer!;
            var (payer, payee) = ledgerEntry.IsDebit
                ? (ledgerEntry.Account.Account, entry.Counterparty)
                : (entry.Counterparty, ledgerEntry.Account.Account);
            if (order.From != payer || order.To != payee || order.Amount != entry.Amount)
            {
                if (bestRank < 0)
                {
                    bestRank = 0;
                    best = $"{described} but {order.OrderedBy} ordered {order.Amount} from {order.From} to {order.To} (op #{invoke.Index})";
                }

                continue;
            }

            if (order.OrderedBy != entry.OrderedBy)
            {
                if (bestRank < 1)
                {
                    bestRank = 1;
                    best = $"{described} recorded as ordered by {entry.OrderedBy} but the order was issued by {order.OrderedBy} (op #{invoke.Index})";
                }

                continue;
            }

            var owner = ledger.Account(order.From)?.Owner;
            if (owner == order.OrderedBy)
            {
                return null;
            }

            bestRank = 2;
            best = owner is null
                ? $"{described} on an order by {order.OrderedBy}, but paying account {order.From} is not in the final state so its owner is unknown (op #{invoke.Index})"
                : $"{described} on an order by {order.OrderedBy}, but {order.From} is owned by {owner} (op #{invoke.Index})";
        }

        return best;
    }

    private static InvariantResult CheckAcknowledgedDurable(HistoryIndex index, Ledger ledger, int max)
    {
        var found = new Counterexamples(Invariants.AcknowledgedDurable, max);
        foreach (var orderId in index.Acknowledged)
        {
            var (invoke, ok) = index.Orders[orderId].FirstOk!.Value;
            var order = invoke.Transfer!;
            var entries = ledger.EntriesFor(orderId);
            var missing = new List<string>(2);
            if (!entries.Any(e => e.IsDebit && e.Account.Account == order.From))
            {
                missing.Add(ledger.Account(order.From) is null ? $"{order.From} is not in the final state" : $"no debit on {order.From}");
            }

            if (!entries.Any(e => !e.IsDebit && e.Account.Account == order.To))
            {
                missing.Add(ledger.Account(order.To) is null ? $"{order.To} is not in the final state" : $"no credit on {order.To}");
            }

            if (missing.Count > 0)
            {
                found.Add($"order {orderId}: acknowledged ok (op #{ok.Index}) for {order.Amount} from {order.From} to {order.To} "
                    + $"but {string.Join(" and ", missing)}");
            }
        }

        return found.ToResult();
    }

    private static InvariantResult CheckFailedNotApplied(HistoryIndex index, Ledger ledger, int max)
    {
        var found = new Counterexamples(Invariants.FailedNotApplied, max);
        foreach (var orderId in ledger.OrderIds)
        {
            if (!index.Orders.TryGetValue(orderId, out var attempts) || !attempts.DefinitelyFailed)
            {
                continue;
            }

            var failure = attempts.FirstFail!;
            var reason = failure.Error is null ? "" : $": {failure.Error}";
            var entries = ledger.EntriesFor(orderId);
            found.Add($"order {orderId}: completed fail (op #{failure.Index}{reason}) but has {entries.Count} entr{(entries.Count == 1 ? "y" : "ies")} "
                + $"[{string.Join(", ", entries.Select(e => e.Short()))}]");
        }

        return found.ToResult();
    }
}
