using System.Collections.Concurrent;
using Testbed.Envelopes;

namespace Testbed.Defenses;

/// <summary>A rejection by a defense layer: the typed record every detection is built on.</summary>
[GenerateSerializer, Immutable]
public sealed record SecurityEvent(
    [property: Id(0)] DateTimeOffset Time,
    [property: Id(1)] string Layer,
    [property: Id(2)] string Reason,
    [property: Id(3)] string ClaimedSender,
    [property: Id(4)] string Recipient,
    [property: Id(5)] EnvelopeKind Kind)
{
    /// <summary>Where the rejected frame came from on the transport (<see cref="MessageContext.Source"/>); null when unknown.</summary>
    [Id(6)]
    public string? Source { get; init; }
}

/// <summary>Receives security events.</summary>
public interface ISecurityEventSink
{
    /// <summary>Records one event. Must be thread-safe and cheap.</summary>
    void Record(SecurityEvent securityEvent);
}

/// <summary>A run's event log: every event (up to a bound) and exact counts per layer and reason.</summary>
public sealed class SecurityEventLog(int capacity = 100_000) : ISecurityEventSink
{
    private readonly ConcurrentQueue<SecurityEvent> _events = new();
    private readonly ConcurrentDictionary<(string Layer, string Reason), long> _counts = new();
    private int _kept;

    /// <summary>Recorded events in arrival order (at most the capacity; counts stay exact beyond it).</summary>
    public IReadOnlyCollection<SecurityEvent> Events => _events;

    /// <summary>Total events recorded.</summary>
    public long Count => _counts.Values.Sum();

    /// <inheritdoc />
    public void Record(SecurityEvent securityEvent)
    {
        _counts.AddOrUpdate((securityEvent.Layer, securityEvent.Reason), 1, (_, n) => n + 1);
        if (Interlocked.Increment(ref _kept) <= capacity)
        {
            _events.Enqueue(securityEvent);
        }
    }

    /// <summary>
    /// Adds what another log recorded (e.g. a silo process's): its kept events, and its exact counts per (layer, reason) —
    /// the counts, not the kept events, make <see cref="Count"/>.
    /// </summary>
    public void Absorb(IEnumerable<SecurityEvent> kept, IEnumerable<(string Layer, string Reason, long Count)> counts)
    {
        ArgumentNullException.ThrowIfNull(kept);
        ArgumentNullException.ThrowIfNull(counts);
        foreach (var (layer, reason, count) in counts)
        {
            _counts.AddOrUpdate((layer, reason), count, (_, n) => n + count);
        }

        foreach (var securityEvent in kept)
        {
            if (Interlocked.Increment(ref _kept) <= capacity)
            {
                _events.Enqueue(securityEvent);
            }
        }
    }

    /// <summary>Counts per layer, then per reason.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> CountsByLayer() =>
        _counts.GroupBy(kv => kv.Key.Layer, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyDictionary<string, long>)g.OrderBy(kv => kv.Key.Reason, StringComparer.Ordinal).ToDictionary(kv => kv.Key.Reason, kv => kv.Value, StringComparer.Ordinal),
                StringComparer.Ordinal);
}
