namespace Testbed.Defenses.Replay;

/// <summary>
/// The replay memory of one receiving principal that outlives its activation (timestamp mode). The nonce cache dies
/// with the activation, so a new one cannot tell which of the still-fresh messages its predecessor accepted. The
/// horizon makes that knowable from durable state alone: a message is accepted only when its timestamp is below a
/// lease already persisted (<see cref="IReplayHorizonStore"/>); one that reaches the lease first raises it to
/// timestamp + lease length and waits for the write. A new activation reads the last lease as its <see cref="Floor"/>
/// and refuses every message stamped at or below it — any of them may have been accepted before. Every comparison is
/// between message timestamps (the senders' clocks), never with the receiver's clock or creation time. Per endpoint
/// state; grain turns do not run in parallel, and awaits interleave only between the checks below. On a graceful
/// deactivation (<see cref="CloseAsync"/>) the lease is lowered to the latest timestamp accepted, so a successor refuses
/// only what could really have been accepted; after a crash the lease stands (at most one lease length of refusals).
/// </summary>
public sealed class ReplayHorizon(IReplayHorizonStore store, string principal, long leaseLengthMs) : IClosingEndpointState
{
    private Task? _loading;
    private Task? _extending;

    /// <summary>Messages stamped at or below this were possibly accepted by a predecessor (long.MinValue: none was).</summary>
    public long Floor { get; private set; } = long.MinValue;

    /// <summary>The lease this activation knows to be persisted: messages stamped below it may be accepted.</summary>
    public long Lease { get; private set; } = long.MinValue;

    /// <summary>True once the predecessor's lease has been read.</summary>
    public bool Loaded => _loading is { IsCompletedSuccessfully: true };

    /// <summary>True once the activation ended: nothing more may be accepted (its lease may have been lowered).</summary>
    public bool Closed { get; private set; }

    /// <summary>The latest timestamp this activation accepted (long.MinValue: none).</summary>
    public long LastAccepted { get; private set; } = long.MinValue;

    /// <summary>Records that a message stamped <paramref name="timestampMs"/> was accepted (it must be covered).</summary>
    public void Accepted(long timestampMs) => LastAccepted = Math.Max(LastAccepted, timestampMs);

    /// <inheritdoc />
    public async Task CloseAsync()
    {
        Closed = true;
        if (_extending is { IsCompleted: false } extending)
        {
            await extending.ContinueWith(static _ => { }, TaskScheduler.Current);
        }

        var last = Math.Max(LastAccepted, Floor);
        if (Lease == long.MinValue || last == long.MinValue)
        {
            return; // never wrote a lease, or accepted nothing and had no predecessor: nothing to lower
        }

        try
        {
            await store.CloseAsync(principal, Lease, last);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The lease stays: a successor refuses a little more than it must, never less.
        }
    }

    /// <summary>Reads the predecessor's lease, once (again after a failed read). Throws when the store cannot be read.</summary>
    public Task LoadAsync()
    {
        if (_loading is null || _loading.IsFaulted || _loading.IsCanceled)
        {
            _loading = Load();
        }

        return _loading;
    }

    /// <summary>True when a message stamped <paramref name="timestampMs"/> may be accepted without a write.</summary>
    public bool Covers(long timestampMs) => timestampMs < Lease;

    /// <summary>
    /// Returns once a lease above <paramref name="timestampMs"/> is persisted, writing one (timestamp + lease length)
    /// when none is. Throws when the store cannot be written.
    /// </summary>
    public async Task CoverAsync(long timestampMs)
    {
        while (!Covers(timestampMs))
        {
            if (_extending is not { IsCompleted: false })
            {
                _extending = Extend(timestampMs + leaseLengthMs);
            }

            await _extending;
        }
    }

    private async Task Load()
    {
        var stored = await store.ReadAsync(principal);
        Floor = stored ?? long.MinValue;
        Lease = Math.Max(Lease, Floor);
    }

    private async Task Extend(long leaseMs)
    {
        var stored = await store.ExtendAsync(principal, leaseMs);
        Lease = Math.Max(Lease, stored);
    }
}
