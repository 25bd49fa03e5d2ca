using System.Text;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Services;

/// <summary>
/// Base of every service grain. A service reaches other services only through <see cref="SendAsync"/> (the wire) and is
/// reached only through <see cref="IEnvelopeEndpoint.Deliver"/>: it is a POCO grain with no grain factory, so service code
/// has no way around the wire (an architecture test enforces that no service takes a grain factory or cluster client).
/// </summary>
public abstract class ServiceGrain : IGrainBase, IEnvelopeEndpoint
{
    private readonly IWire _wire;
    private ulong _sequence;

    /// <summary>Creates the service; <paramref name="context"/> names the principal it speaks for.</summary>
    protected ServiceGrain(IGrainContext context, IWire wire, TimeProvider time)
    {
        GrainContext = context;
        _wire = wire;
        Time = time;
        Self = PrincipalAddress.FromGrainId(context.GrainId);
        Index = PrincipalAddress.IndexOf(Self);
    }

    /// <inheritdoc />
    public IGrainContext GrainContext { get; }

    /// <summary>The principal id this grain speaks for, e.g. "account/3".</summary>
    protected string Self { get; }

    /// <summary>The numeric part of <see cref="Self"/>, or -1.</summary>
    protected int Index { get; }

    /// <summary>The clock every time-dependent part of the service uses.</summary>
    protected TimeProvider Time { get; }

    /// <inheritdoc />
    public async Task<byte[]> Deliver(byte[] frame)
    {
        if (!EnvelopeCodec.TryDecodeOwned(frame, out var request, out var error))
        {
            return Encode(Reply("anonymous", EnvelopeKind.Rejected, Encoding.UTF8.GetBytes($"malformed envelope: {error}")));
        }

        return Encode(await ReceiveAsync(request));
    }

    private ValueTask<Envelope> ReceiveAsync(Envelope request) =>
        string.Equals(request.Recipient, Self, StringComparison.Ordinal)
            ? HandleAsync(request)
            : ValueTask.FromResult(Reject(request, $"misdelivered: addressed to {request.Recipient}, delivered to {Self}"));

    /// <summary>Handles one request and returns the reply (use <see cref="Reply(Envelope, EnvelopeKind, ReadOnlyMemory{byte})"/> or <see cref="Reject"/>).</summary>
    protected abstract ValueTask<Envelope> HandleAsync(Envelope request);

    /// <summary>Sends a request to <paramref name="recipient"/> over the wire and returns its reply.</summary>
    protected ValueTask<Envelope> SendAsync(string recipient, EnvelopeKind kind, ReadOnlyMemory<byte> payload) =>
        _wire.SendAsync(new Envelope
        {
            Kind = kind,
            Sender = Self,
            Recipient = recipient,
            Sequence = ++_sequence,
            TimestampMs = Time.GetUtcNow().ToUnixTimeMilliseconds(),
            Payload = payload,
        });

    /// <summary>A reply to <paramref name="request"/>.</summary>
    protected Envelope Reply(Envelope request, EnvelopeKind kind, ReadOnlyMemory<byte> payload) => Reply(request.Sender, kind, payload);

    /// <summary>A <see cref="EnvelopeKind.Rejected"/> reply carrying <paramref name="reason"/>.</summary>
    protected Envelope Reject(Envelope request, string reason) =>
        Reply(request.Sender, EnvelopeKind.Rejected, Encoding.UTF8.GetBytes(reason));

    /// <summary>The reason text of a <see cref="EnvelopeKind.Rejected"/> envelope.</summary>
    protected static string ReasonOf(Envelope rejected) => Encoding.UTF8.GetString(rejected.Payload.Span);

    private Envelope Reply(string recipient, EnvelopeKind kind, ReadOnlyMemory<byte> payload) => new()
    {
        Kind = kind,
        Sender = Self,
        Recipient = PrincipalId.IsValid(recipient) ? recipient : "anonymous",
        Sequence = ++_sequence,
        TimestampMs = Time.GetUtcNow().ToUnixTimeMilliseconds(),
        Payload = payload,
    };

    private static byte[] Encode(Envelope envelope) => EnvelopeCodec.Encode(envelope);
}
