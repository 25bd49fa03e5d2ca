using Testbed.Envelopes;

namespace Testbed.Wire;

/// <summary>
/// One message as the wire carries it: the encoded frame, the envelope decoded from it (null when the frame does
/// not decode, e.g. after corruption), its direction, the silo whose wire handled it, and whether it was injected.
/// </summary>
public sealed class WireMessage
{
    internal WireMessage(WireDirection direction, byte[] frame, Envelope? envelope, string recipient, string silo, bool injected, long timestampTicks)
    {
        Direction = direction;
        Frame = frame;
        Envelope = envelope;
        Recipient = recipient;
        Silo = silo;
        Injected = injected;
        TimestampTicks = timestampTicks;
    }

    /// <summary>
    /// A message another silo process's wire carried, relayed to this one (its envelope decoded again here; its
    /// timestamp is this process's, at arrival).
    /// </summary>
    public static WireMessage Relayed(WireDirection direction, byte[] frame, string recipient, string silo, bool injected, long timestampTicks)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return new WireMessage(direction, frame, EnvelopeCodec.TryDecode(frame, out var envelope, out _) ? envelope : null, recipient, silo, injected, timestampTicks);
    }

    /// <summary>Request or reply.</summary>
    public WireDirection Direction { get; }

    /// <summary>The encoded envelope exactly as it travels. Treat as read-only.</summary>
    public byte[] Frame { get; internal set; }

    /// <summary>The decoded envelope, or null when <see cref="Frame"/> is not a valid envelope.</summary>
    public Envelope? Envelope { get; internal set; }

    /// <summary>The principal the frame is being delivered to.</summary>
    public string Recipient { get; }

    /// <summary>Name of the silo whose wire carried this message (the requester's silo).</summary>
    public string Silo { get; }

    /// <summary>True when the message was put on the wire by an injector rather than a service.</summary>
    public bool Injected { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the wire handled the message.</summary>
    public long TimestampTicks { get; }
}
