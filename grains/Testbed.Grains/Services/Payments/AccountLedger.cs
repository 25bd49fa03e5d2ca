using Testbed.Storage;

namespace Testbed.Services.Payments;

/// <summary>
/// The stored head of an account's ledger: the balance, how many full pages of entries were sealed, and the open page.
/// Sealed pages live in their own records (<see cref="IStatePages{T}"/>), so a write costs O(page size), not O(ledger).
/// </summary>
[GenerateSerializer]
public sealed class AccountLedgerState
{
    /// <summary>The balance after every entry in the sealed pages and the open page.</summary>
    [Id(0)]
    public long Balance { get; set; }

    /// <summary>Pages 0 … SealedPages-1 are written and full.</summary>
    [Id(1)]
    public int SealedPages { get; set; }

    /// <summary>Entries applied after the last sealed page, in order.</summary>
    [Id(2)]
    public List<LedgerEntry> OpenPage { get; set; } = [];
}

/// <summary>
/// An account's durable ledger: balance and applied entries over a persistent head and sealed pages. An entry is in
/// memory (and so acknowledged) only after its write succeeded; after a failed write the ledger is faulted (storage may
/// or may not hold the write) and refuses everything until the activation is replaced and reloads.
/// </summary>
internal sealed class AccountLedger(IPersistentState<AccountLedgerState> head, IStatePages<LedgerEntry> pages, int pageSize)
{
    private readonly List<LedgerEntry> _entries = [];
    private readonly HashSet<(string OrderId, bool IsDebit)> _applied = [];
    private string? _fault;

    /// <summary>The balance after every applied entry.</summary>
    public long Balance
    {
        get
        {
            ThrowIfFaulted();
            return head.State.Balance;
        }
    }

    /// <summary>Every applied entry, in order.</summary>
    public LedgerEntry[] Entries()
    {
        ThrowIfFaulted();
        return [.. _entries];
    }

    /// <summary>True when an entry of this order and direction was applied.</summary>
    public bool Contains(string orderId, bool isDebit)
    {
        ThrowIfFaulted();
        return _applied.Contains((orderId, isDebit));
    }

    /// <summary>Loads the sealed pages and rebuilds the applied-order set; a new account opens with <paramref name="openingBalance"/>.</summary>
    public async Task LoadAsync(long openingBalance)
    {
        var state = head.State;
        if (!head.RecordExists)
        {
            state.Balance = openingBalance;
            return;
        }

        var sealedPages = await Task.WhenAll(Enumerable.Range(0, state.SealedPages).Select(pages.ReadAsync));
        for (var page = 0; page < sealedPages.Length; page++)
        {
            Remember(sealedPages[page] ?? throw new InvalidOperationException($"ledger page {page} of {state.SealedPages} is missing from storage"));
        }

        Remember(state.OpenPage);
    }

    /// <summary>Applies <paramref name="entry"/> and writes it; returns only once storage acknowledged the write.</summary>
    public async Task AppendAsync(LedgerEntry entry)
    {
        ThrowIfFaulted();
        var state = head.State;
        try
        {
            if (state.OpenPage.Count >= pageSize)
            {
                await pages.WriteAsync(state.SealedPages, state.OpenPage);
                state.SealedPages++;
                state.OpenPage = [];
            }

            state.OpenPage.Add(entry);
            state.Balance += entry.IsDebit ? -entry.Amount : entry.Amount;
            await head.WriteStateAsync();
        }
        catch (Exception ex)
        {
            _fault = $"{ex.GetType().Name}: {ex.Message}";
            throw;
        }

        Remember([entry]);
    }

    private void Remember(IEnumerable<LedgerEntry> entries)
    {
        foreach (var entry in entries)
        {
            _entries.Add(entry);
            _applied.Add((entry.OrderId, entry.IsDebit));
        }
    }

    private void ThrowIfFaulted()
    {
        if (_fault is not null)
        {
            throw new InvalidOperationException($"the ledger is unknown after a failed write ({_fault}); the account is being reactivated");
        }
    }
}
