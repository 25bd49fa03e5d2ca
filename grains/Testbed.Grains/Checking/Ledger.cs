namespace Testbed.Checking;

/// <summary>One applied entry together with the account that recorded it.</summary>
internal readonly record struct LedgerEntry(AccountState Account, AppliedEntry Entry)
{
    public bool IsDebit => Entry.Direction == EntryDirection.Debit;

    /// <summary>E.g. "account/3 debited 17 to account/5".</summary>
    public override string ToString() => IsDebit
        ? $"{Account.Account} debited {Entry.Amount} to {Entry.Counterparty}"
        : $"{Account.Account} credited {Entry.Amount} from {Entry.Counterparty}";

    /// <summary>E.g. "account/3 -17".</summary>
    public string Short() => $"{Account.Account} {(IsDebit ? "-" : "+")}{Entry.Amount}";
}

/// <summary>Index over the final state: accounts by id and applied entries grouped by order id.</summary>
internal sealed class Ledger
{
    private readonly Dictionary<string, AccountState> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<LedgerEntry>> _entriesByOrder = new(StringComparer.Ordinal);
    private readonly List<string> _orderIds = [];

    private Ledger(IReadOnlyList<AccountState> finalState)
    {
        Accounts = finalState;
        for (var i = 0; i < finalState.Count; i++)
        {
            var account = finalState[i] ?? throw new ArgumentException($"final state element {i} is null", nameof(finalState));
            _accounts.TryAdd(account.Account, account);
            foreach (var entry in account.Applied ?? [])
            {
                if (entry is null)
                {
                    continue;
                }

                if (!_entriesByOrder.TryGetValue(entry.OrderId, out var entries))
                {
                    entries = [];
                    _entriesByOrder.Add(entry.OrderId, entries);
                    _orderIds.Add(entry.OrderId);
                }

                entries.Add(new LedgerEntry(account, entry));
            }
        }
    }

    /// <summary>Accounts in final-state order.</summary>
    public IReadOnlyList<AccountState> Accounts { get; }

    /// <summary>Order ids having at least one entry, in the order first seen.</summary>
    public IReadOnlyList<string> OrderIds => _orderIds;

    public static Ledger Build(IReadOnlyList<AccountState> finalState) => new(finalState);

    /// <summary>The account with that id (the first, should the final state list it twice).</summary>
    public AccountState? Account(string account) => _accounts.GetValueOrDefault(account);

    /// <summary>Entries recorded for the order id, across all accounts.</summary>
    public IReadOnlyList<LedgerEntry> EntriesFor(string orderId) =>
        _entriesByOrder.TryGetValue(orderId, out var entries) ? entries : [];
}
