using System.Collections.Concurrent;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Attacks.Hooks;

/// <summary>One message a tap saw: a private copy of its frame and what it decoded to.</summary>
public sealed record ObservedEnvelope(WireDirection Direction, byte[] Frame, Envelope? Envelope, bool Injected, string Silo, long TimestampTicks);

/// <summary>
/// A passive tap that records what crosses the wire, up to <see cref="Capacity"/> messages (later ones are counted in
/// <see cref="Overflow"/> but not kept). Frames are copied, so nothing the recorder holds can be changed by the wire.
/// The building block of eavesdroppers and replayers: they start from what they observed.
/// </summary>
public sealed class EnvelopeRecorder(int capacity = 100_000) : IWireTap
{
    private readonly ConcurrentQueue<ObservedEnvelope> _seen = new();
    private int _count;
    private long _overflow;

    /// <summary>Most messages kept.</summary>
    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <summary>Messages seen after the recorder was full.</summary>
    public long Overflow => Interlocked.Read(ref _overflow);

    /// <summary>The recorded messages, in the order the wire showed them.</summary>
    public IReadOnlyCollection<ObservedEnvelope> Seen => _seen;

    /// <inheritdoc />
    public void Observe(WireMessage message)
    {
        if (Interlocked.Increment(ref _count) > Capacity)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref _overflow);
            return;
        }

        _seen.Enqueue(new ObservedEnvelope(message.Direction, message.Frame.ToArray(), message.Envelope, message.Injected, message.Silo, message.TimestampTicks));
    }
}
