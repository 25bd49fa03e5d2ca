namespace Testbed.Checking;

/// <summary>Names and descriptions of the invariants <see cref="HistoryChecker"/> checks.</summary>
public static class Invariants
{
    /// <summary>Sum of final balances equals sum of initial balances.</summary>
    public const string MoneyConserved = "money-conserved";

    /// <summary>Every applied entry matches an invoked order issued by the owner of the debited account.</summary>
    public const string OwnerAuthorized = "owner-authorized";

    /// <summary>Each order is debited at most once and credited at most once.</summary>
    public const string AtMostOnce = "at-most-once";

    /// <summary>No final balance is negative.</summary>
    public const string NoNegativeBalance = "no-negative-balance";

    /// <summary>Every acknowledged transfer is reflected in the final state.</summary>
    public const string AcknowledgedDurable = "acknowledged-durable";

    /// <summary>No transfer that definitely failed left an entry.</summary>
    public const string FailedNotApplied = "failed-not-applied";

    /// <summary>All invariant names, in the order <see cref="HistoryChecker.Check"/> reports them.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        MoneyConserved,
        NoNegativeBalance,
        AtMostOnce,
        OwnerAuthorized,
        AcknowledgedDurable,
        FailedNotApplied,
    ];

    /// <summary>One-sentence description of the named invariant.</summary>
    /// <exception cref="ArgumentException">Unknown invariant name.</exception>
    public static string Describe(string name) => name switch
    {
        MoneyConserved => "the sum of final balances equals the sum of initial balances",
        NoNegativeBalance => "every final balance is >= 0",
        AtMostOnce => "each order id has at most one debit entry and at most one credit entry across all accounts",
        OwnerAuthorized => "every applied entry matches an invoked transfer order (same id, accounts, amount and orderer) "
            + "issued by the owner of the debited account",
        AcknowledgedDurable => "every acknowledged (ok) transfer has its debit on the paying account and its credit on the receiving account",
        FailedNotApplied => "no entry exists for an order whose every attempt completed with fail",
        _ => throw new ArgumentException($"unknown invariant '{name}'", nameof(name)),
    };
}
