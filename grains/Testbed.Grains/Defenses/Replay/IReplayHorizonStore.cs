using System.Collections.Concurrent;

namespace Testbed.Defenses.Replay;

/// <summary>
/// Where the replay defense (timestamp mode) keeps each receiving principal's <see cref="ReplayHorizon"/> lease: a
/// monotone register per principal that must outlive the principal's activation (and its silo). The embedded cluster
/// backs it with the testbed's grain storage (the shared <see cref="Storage.EmbeddedStateStore"/>, or Redis); unit
/// tests and a silo without durable storage use <see cref="InMemoryReplayHorizonStore"/>.
/// </summary>
public interface IReplayHorizonStore
{
    /// <summary>The lease last persisted for <paramref name="principal"/> (Unix ms, message timestamps), or null when none ever was.</summary>
    ValueTask<long?> ReadAsync(string principal);

    /// <summary>
    /// Durably raises <paramref name="principal"/>'s lease to at least <paramref name="leaseMs"/> (never lowers it) and
    /// returns the value now stored. Completes only once the value is durable; throws when it cannot be made so.
    /// </summary>
    ValueTask<long> ExtendAsync(string principal, long leaseMs);

    /// <summary>
    /// A graceful end: lowers <paramref name="principal"/>'s lease from <paramref name="leaseMs"/> to
    /// <paramref name="lastAcceptedMs"/> (the latest timestamp its activation accepted, or its own floor) — only when
    /// the stored value is still <paramref name="leaseMs"/>, i.e. no other activation has relied on a later one.
    /// Returns false (the lease stays, which is safe) when it did not.
    /// </summary>
    ValueTask<bool> CloseAsync(string principal, long leaseMs, long lastAcceptedMs);
}

/// <summary>
/// An <see cref="IReplayHorizonStore"/> in this object's memory: it survives a new endpoint on the same environment
/// (a reactivation in a unit test), not a process. The default of <see cref="DefenseEnvironment"/>.
/// </summary>
public sealed class InMemoryReplayHorizonStore : IReplayHorizonStore
{
    private readonly ConcurrentDictionary<string, long> _leases = new(StringComparer.Ordinal);

    /// <summary>Extensions that raised a lease (what a durable store would have written).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    private long _writes;

    /// <inheritdoc />
    public ValueTask<long?> ReadAsync(string principal) =>
        ValueTask.FromResult(_leases.TryGetValue(principal, out var lease) ? lease : (long?)null);

    /// <inheritdoc />
    public ValueTask<long> ExtendAsync(string principal, long leaseMs)
    {
        var stored = _leases.AddOrUpdate(principal, leaseMs, (_, old) => Math.Max(old, leaseMs));
        Interlocked.Increment(ref _writes);
        return ValueTask.FromResult(stored);
    }

    /// <inheritdoc />
    public ValueTask<bool> CloseAsync(string principal, long leaseMs, long lastAcceptedMs) =>
        ValueTask.FromResult(lastAcceptedMs < leaseMs && _leases.TryUpdate(principal, lastAcceptedMs, leaseMs));
}
