namespace Testbed.History;

/// <summary>Kind of a history entry, as in Jepsen: an invocation or one of its three possible completions.</summary>
public enum OpType
{
    /// <summary>The client issued the operation.</summary>
    Invoke,
    /// <summary>The operation was acknowledged: it definitely happened.</summary>
    Ok,
    /// <summary>The operation definitely did not happen.</summary>
    Fail,
    /// <summary>Indeterminate: the operation may or may not have happened.</summary>
    Info,
}

/// <summary>What a client operation does.</summary>
public enum OpFunction
{
    /// <summary>Move money between two accounts.</summary>
    Transfer,
    /// <summary>Read one account's balance.</summary>
    Read,
}

/// <summary>A customer's transfer order: move <paramref name="Amount"/> from <paramref name="From"/> to <paramref name="To"/>.</summary>
/// <param name="OrderId">Unique id of the order; the payment service must apply it at most once.</param>
/// <param name="From">Account debited.</param>
/// <param name="To">Account credited.</param>
/// <param name="Amount">Amount moved.</param>
/// <param name="OrderedBy">Customer that issued the order; must own <paramref name="From"/> for the order to be authorized.</param>
[GenerateSerializer, Immutable]
public sealed record TransferOrder(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string From,
    [property: Id(2)] string To,
    [property: Id(3)] long Amount,
    [property: Id(4)] string OrderedBy);

/// <summary>One entry of a client history: an invocation or a completion of a transfer or read.</summary>
[GenerateSerializer, Immutable]
public sealed record HistoryOp
{
    /// <summary>Position in the history, assigned by <see cref="History.Append"/> (0-based, append order).</summary>
    [Id(0)]
    public long Index { get; init; }

    /// <summary>Logical client process that issued the operation.</summary>
    [Id(1)]
    public int Process { get; init; }

    /// <summary>Invocation or completion kind.</summary>
    [Id(2)]
    public OpType Type { get; init; }

    /// <summary>Transfer or read.</summary>
    [Id(3)]
    public OpFunction Function { get; init; }

    /// <summary>Microseconds since the start of the run.</summary>
    [Id(4)]
    public long TimeMicros { get; init; }

    /// <summary>The order, for transfer operations (both the invocation and its completion carry it).</summary>
    [Id(5)]
    public TransferOrder? Transfer { get; init; }

    /// <summary>The account read, for read operations.</summary>
    [Id(6)]
    public string? Account { get; init; }

    /// <summary>Balance observed by an <see cref="OpType.Ok"/> read.</summary>
    [Id(7)]
    public long? Balance { get; init; }

    /// <summary>Reason given for a <see cref="OpType.Fail"/> or <see cref="OpType.Info"/> completion.</summary>
    [Id(8)]
    public string? Error { get; init; }

    /// <summary>
    /// For an invocation in an open loop: when the arrival schedule meant it to start (microseconds since the start of the
    /// run, as <see cref="TimeMicros"/>), earlier than <see cref="TimeMicros"/> when the client fell behind its schedule (a
    /// stalled machine); latency counts from here, so a stall is not hidden. Null in a closed loop and on completions.
    /// </summary>
    [Id(9)]
    public long? IntendedMicros { get; init; }
}
