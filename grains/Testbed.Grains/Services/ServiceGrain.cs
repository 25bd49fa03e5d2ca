using System.Text;
using Testbed.Defenses;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Services;

/// <summary>
/// Base of every service grain. A service reaches other services only through <see cref="SendAsync"/> (the wire) and is
/// reached only through <see cref="IEnvelopeEndpoint.Deliver"/>: it is a POCO grain with no grain factory, so service code
/// has no way around the wire (an architecture test enforces that no service takes a grain factory or cluster client).
/// Both directions pass the silo's defense pipeline: requests and replies are sealed on the way out and opened on the
/// way in; a rejected request is answered with an (unprotected) <see cref="EnvelopeKind.Rejected"/> envelope. Each
/// delivered request is opened with its origin on the transport (<see cref="WireSource"/>).
/// </summary>
public abstract class ServiceGrain : IGrainBase, IEnvelopeEndpoint
{
    private readonly IWire _wire;
    private readonly DefensePipeline _defenses;
    private readonly DefenseEndpoint _endpoint;
    // Starts at the activation's clock in units of 2^-16 ms, so a later activation of the same principal never reuses a
    // sequence number of an earlier one (a reply bound to sequence n cannot answer a new activation's request n).
    private ulong _sequence;

    /// <summary>Creates the service; <paramref name="context"/> names the principal it speaks for.</summary>
    protected ServiceGrain(IGrainContext context, ServiceRuntime runtime)
    {
        GrainContext = context;
        _wire = runtime.Wire;
        _defenses = runtime.Defenses;
        Time = runtime.Time;
        Self = PrincipalAddress.FromGrainId(context.GrainId);
        Index = PrincipalAddress.IndexOf(Self);
        _sequence = (ulong)Math.Max(0, Time.GetUtcNow().ToUnixTimeMilliseconds()) << 16;
        _endpoint = new DefenseEndpoint(Self, runtime.Environment);
    }

    /// <inheritdoc />
    public IGrainContext GrainContext { get; }

    /// <summary>The principal id this grain speaks for, e.g. "account/3".</summary>
    protected string Self { get; }

    /// <summary>The numeric part of <see cref="Self"/>, or -1.</summary>
    protected int Index { get; }

    /// <summary>The clock every time-dependent part of the service uses.</summary>
    protected TimeProvider Time { get; }

    /// <summary>On a graceful deactivation, lets the defense state that outlives the activation record how it ended.</summary>
    public Task OnDeactivateAsync(DeactivationReason reason, CancellationToken token) => _endpoint.CloseAsync().WaitAsync(token);

    /// <inheritdoc />
    public async Task<byte[]> Deliver(byte[] frame)
    {
        if (!EnvelopeCodec.TryDecodeOwned(frame, out var request, out var error))
        {
            return Encode(Reply("anonymous", 0, EnvelopeKind.Rejected, Encoding.UTF8.GetBytes($"malformed envelope: {error}")));
        }

        if (_defenses.IsEmpty)
        {
            return Encode(await HandleGuardedAsync(request));
        }

        var context = new MessageContext { Endpoint = _endpoint, Peer = request.Sender, Direction = WireDirection.Request, Source = WireSource.Current ?? WireSource.Unknown };
        try
        {
            var verdict = await _defenses.OpenAsync(request, context);
            switch (verdict.Result.Outcome)
            {
                case OpenOutcome.Respond:
                    return Encode(verdict.Result.Envelope!);
                case OpenOutcome.Reject:
                    return Encode(await SealRefusalAsync(Reject(request, $"rejected by {verdict.Layer}: {verdict.Result.Reason}"), verdict.Layer, context));
            }

            var reply = await HandleGuardedAsync(verdict.Result.Envelope!);
            return Encode(await _defenses.SealAsync(reply, context.ForReply()));
        }
        finally
        {
            context.Release();
        }
    }

    /// <summary>
    /// A refusal of an authenticated request on its merits — by authorization, or by a rate limit on the authenticated
    /// sender — goes back sealed, so the requester can believe it ("not applied"). Every other refusal goes back
    /// unprotected: before authentication there is no peer to seal for, and a freshness refusal speaks about a copy, not
    /// the request — a duplicate or stale copy is refused while the original may have been applied, so an answer the
    /// requester could believe would turn an applied transfer into a failed one.
    /// </summary>
    private async ValueTask<Envelope> SealRefusalAsync(Envelope refusal, string? layer, MessageContext context)
    {
        var stage = _defenses.Layers.FirstOrDefault(l => l.Name == layer)?.Stage;
        if (!context.Authenticated || stage is not (DefenseStage.Authorization or DefenseStage.Admission))
        {
            return refusal;
        }

        try
        {
            return await _defenses.SealAsync(refusal, context.ForReply());
        }
        catch (DefenseException)
        {
            return refusal;
        }
    }

    private async ValueTask<Envelope> HandleGuardedAsync(Envelope request)
    {
        try
        {
            return await ReceiveAsync(request);
        }
        catch (Exception ex) when (ex is not ServiceFaultException)
        {
            throw new ServiceFaultException($"{Self} failed handling {request.Kind} from {request.Sender}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private ValueTask<Envelope> ReceiveAsync(Envelope request) =>
        string.Equals(request.Recipient, Self, StringComparison.Ordinal)
            ? HandleAsync(request)
            : ValueTask.FromResult(Reject(request, $"misdelivered: addressed to {request.Recipient}, delivered to {Self}"));

    /// <summary>Handles one request and returns the reply (use <see cref="Reply(Envelope, EnvelopeKind, ReadOnlyMemory{byte})"/> or <see cref="Reject"/>).</summary>
    protected abstract ValueTask<Envelope> HandleAsync(Envelope request);

    /// <summary>
    /// Sends a request to <paramref name="recipient"/> through the defense pipeline and the wire, and returns the opened
    /// reply. Throws <see cref="ReplyRejectedException"/> when the pipeline refuses the reply, <see cref="DefenseException"/>
    /// when it cannot seal the request, and the wire's exceptions when the exchange is lost.
    /// </summary>
    protected ValueTask<Envelope> SendAsync(string recipient, EnvelopeKind kind, ReadOnlyMemory<byte> payload)
    {
        var request = new Envelope
        {
            Kind = kind,
            Sender = Self,
            Recipient = recipient,
            Sequence = ++_sequence,
            TimestampMs = Time.GetUtcNow().ToUnixTimeMilliseconds(),
            Payload = payload,
        };
        return _defenses.IsEmpty ? _wire.SendAsync(request) : SendProtectedAsync(request);
    }

    private async ValueTask<Envelope> SendProtectedAsync(Envelope request)
    {
        var context = new MessageContext { Endpoint = _endpoint, Peer = request.Recipient, Direction = WireDirection.Request };
        Envelope sealedRequest;
        try
        {
            sealedRequest = await _defenses.SealAsync(request, context);
        }
        catch (DefenseException ex)
        {
            throw new RequestNotSentException($"{request.Kind} to {request.Recipient} not sent: {ex.Layer}: {ex.Message}", ex);
        }

        var reply = await _wire.SendAsync(sealedRequest);
        var verdict = await _defenses.OpenAsync(reply, context.ForResponse());
        return verdict.Result.Outcome == OpenOutcome.Continue
            ? verdict.Result.Envelope!
            : throw new ReplyRejectedException(verdict.Layer ?? "pipeline", verdict.Result.Reason ?? "unexpected reply");
    }

    /// <summary>A reply to <paramref name="request"/>.</summary>
    protected Envelope Reply(Envelope request, EnvelopeKind kind, ReadOnlyMemory<byte> payload) => Reply(request.Sender, request.Sequence, kind, payload);

    /// <summary>A <see cref="EnvelopeKind.Rejected"/> reply carrying <paramref name="reason"/>.</summary>
    protected Envelope Reject(Envelope request, string reason) =>
        Reply(request.Sender, request.Sequence, EnvelopeKind.Rejected, Encoding.UTF8.GetBytes(reason));

    /// <summary>The reason text of a <see cref="EnvelopeKind.Rejected"/> envelope.</summary>
    protected static string ReasonOf(Envelope rejected) => Encoding.UTF8.GetString(rejected.Payload.Span);

    private Envelope Reply(string recipient, ulong inReplyTo, EnvelopeKind kind, ReadOnlyMemory<byte> payload) => new()
    {
        Kind = kind,
        Sender = Self,
        Recipient = PrincipalId.IsValid(recipient) ? recipient : "anonymous",
        Sequence = ++_sequence,
        InReplyTo = inReplyTo,
        TimestampMs = Time.GetUtcNow().ToUnixTimeMilliseconds(),
        Payload = payload,
    };

    private static byte[] Encode(Envelope envelope) => EnvelopeCodec.Encode(envelope);
}
