namespace Testbed.Services.Payments;

/// <summary>What the workload asks a customer to do: the operations recorded in the history.</summary>
public interface ICustomer : IGrainWithStringKey
{
    /// <summary>Orders a transfer from the customer's own account.</summary>
    Task<OperationOutcome> Transfer(TransferCommand command);

    /// <summary>Reads the customer's own balance.</summary>
    Task<OperationOutcome> ReadBalance();
}

/// <summary>Out-of-band audit read of an account for the checker (not service traffic; never goes over the wire).</summary>
public interface IAccountAudit : IGrainWithStringKey
{
    /// <summary>The account's balance and every entry it applied.</summary>
    Task<AccountSnapshot> Snapshot();
}

/// <summary>A transfer the workload asks a customer to order.</summary>
[GenerateSerializer, Immutable]
public sealed record TransferCommand([property: Id(0)] string OrderId, [property: Id(1)] string To, [property: Id(2)] long Amount);

/// <summary>Jepsen-style completion of a client operation.</summary>
public enum OutcomeStatus
{
    /// <summary>Acknowledged.</summary>
    Ok,
    /// <summary>Definitely did not take effect.</summary>
    Fail,
    /// <summary>Indeterminate: may or may not have taken effect.</summary>
    Info,
}

/// <summary>The result of a customer operation.</summary>
[GenerateSerializer, Immutable]
public sealed record OperationOutcome([property: Id(0)] OutcomeStatus Status, [property: Id(1)] string? Error, [property: Id(2)] long? Balance)
{
    /// <summary>An acknowledged outcome.</summary>
    public static OperationOutcome Ok(long? balance = null) => new(OutcomeStatus.Ok, null, balance);
}

/// <summary>One applied debit or credit.</summary>
[GenerateSerializer, Immutable]
public sealed record LedgerEntry(
    [property: Id(0)] string OrderId,
    [property: Id(1)] bool IsDebit,
    [property: Id(2)] long Amount,
    [property: Id(3)] string Counterparty,
    [property: Id(4)] string OrderedBy);

/// <summary>An account as the checker reads it at the end of a run.</summary>
[GenerateSerializer, Immutable]
public sealed record AccountSnapshot(
    [property: Id(0)] string Account,
    [property: Id(1)] string Owner,
    [property: Id(2)] long InitialBalance,
    [property: Id(3)] long Balance,
    [property: Id(4)] IReadOnlyList<LedgerEntry> Entries);
