namespace Testbed.Checking;

/// <summary>Whether an applied entry took money out of (debit) or put money into (credit) its account.</summary>
public enum EntryDirection
{
    /// <summary>Money left the account.</summary>
    Debit,
    /// <summary>Money entered the account.</summary>
    Credit,
}

/// <summary>One side of a transfer, as recorded by the account that applied it.</summary>
/// <param name="OrderId">Order the entry belongs to.</param>
/// <param name="Direction">Debit on the paying account, credit on the receiving one.</param>
/// <param name="Amount">Amount moved.</param>
/// <param name="Counterparty">The other account of the transfer (the payee for a debit, the payer for a credit).</param>
/// <param name="OrderedBy">Customer the service recorded as having issued the order.</param>
[GenerateSerializer, Immutable]
public sealed record AppliedEntry(
    [property: Id(0)] string OrderId,
    [property: Id(1)] EntryDirection Direction,
    [property: Id(2)] long Amount,
    [property: Id(3)] string Counterparty,
    [property: Id(4)] string OrderedBy);

/// <summary>Final state of one account at the end of a run.</summary>
/// <param name="Account">Account id, e.g. <c>account/3</c>.</param>
/// <param name="Owner">Customer owning the account, e.g. <c>customer/3</c>.</param>
/// <param name="InitialBalance">Balance at the start of the run.</param>
/// <param name="Balance">Balance at the end of the run.</param>
/// <param name="Applied">Entries the account applied, in application order.</param>
[GenerateSerializer, Immutable]
public sealed record AccountState(
    [property: Id(0)] string Account,
    [property: Id(1)] string Owner,
    [property: Id(2)] long InitialBalance,
    [property: Id(3)] long Balance,
    [property: Id(4)] IReadOnlyList<AppliedEntry> Applied);
