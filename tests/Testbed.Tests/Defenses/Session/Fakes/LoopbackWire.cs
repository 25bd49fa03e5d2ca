using System.Text;
using Testbed.Defenses;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Tests.Defenses.Session.Fakes;

/// <summary>
/// An in-process <see cref="IWire"/>: it encodes and strictly decodes every envelope as the real wire does, lets a test
/// intercept requests and replies, records every frame (an eavesdropper's view), and delivers a request to the
/// recipient's <see cref="LoopbackNode"/>, which runs its pipeline the way a service grain does.
/// </summary>
internal sealed class LoopbackWire : IWire
{
    private readonly Dictionary<string, LoopbackNode> _nodes = new(StringComparer.Ordinal);

    /// <summary>Every frame that crossed the wire, requests and replies, after interception.</summary>
    public List<byte[]> Frames { get; } = [];

    /// <summary>Handshake requests delivered.</summary>
    public int Handshakes { get; private set; }

    /// <summary>Data (non-handshake) requests delivered.</summary>
    public int DataRequests { get; private set; }

    /// <summary>Rewrites requests in flight (null: pass).</summary>
    public Func<Envelope, Envelope>? OnRequest { get; set; }

    /// <summary>Rewrites replies in flight (null: pass).</summary>
    public Func<Envelope, Envelope>? OnReply { get; set; }

    /// <summary>Yield before delivering, so concurrent senders interleave at this await.</summary>
    public bool YieldOnDelivery { get; set; }

    /// <summary>Registers the receiving end of a principal.</summary>
    public void Register(LoopbackNode node) => _nodes[node.Principal] = node;

    /// <inheritdoc />
    public async ValueTask<Envelope> SendAsync(Envelope request, CancellationToken cancellationToken = default)
    {
        var delivered = Transit(request, OnRequest);
        if (YieldOnDelivery)
        {
            await Task.Yield();
        }

        if (delivered.Kind == EnvelopeKind.Handshake)
        {
            Handshakes++;
        }
        else
        {
            DataRequests++;
        }

        var reply = await _nodes[delivered.Recipient].ReceiveAsync(delivered);
        return Transit(reply, OnReply);
    }

    private Envelope Transit(Envelope envelope, Func<Envelope, Envelope>? intercept)
    {
        if (intercept is not null)
        {
            envelope = intercept(envelope);
        }

        var frame = EnvelopeCodec.Encode(envelope);
        Frames.Add(frame);
        return EnvelopeCodec.TryDecode(frame, out var decoded, out var error) ? decoded : throw new MalformedReplyException(error);
    }
}

/// <summary>One principal's receiving end: its pipeline and endpoint state, and a handler that answers data requests.</summary>
internal sealed class LoopbackNode(string principal, DefensePipeline pipeline, DefenseEnvironment environment)
{
    public string Principal { get; } = principal;

    public DefensePipeline Pipeline { get; } = pipeline;

    /// <summary>The endpoint (per-layer state); replaced by <see cref="Reactivate"/>.</summary>
    public DefenseEndpoint Endpoint { get; private set; } = new(principal, environment);

    /// <summary>Answers an opened request (default: echo with "re:" in front, kind + 1).</summary>
    public Func<Envelope, Envelope> Handler { get; set; } = request => new Envelope
    {
        Kind = (EnvelopeKind)((ushort)request.Kind + 1),
        Sender = request.Recipient,
        Recipient = request.Sender,
        TimestampMs = request.TimestampMs,
        Payload = Encoding.UTF8.GetBytes("re:" + Encoding.UTF8.GetString(request.Payload.Span)),
    };

    /// <summary>Every inbound verdict with its context, in order.</summary>
    public List<(PipelineVerdict Verdict, MessageContext Context)> Opened { get; } = [];

    /// <summary>Called with each sealed reply and the context it was sealed with.</summary>
    public Action<Envelope, MessageContext>? OnReplySealed { get; set; }

    /// <summary>Forgets all per-layer state, as a grain reactivation does.</summary>
    public void Reactivate() => Endpoint = new DefenseEndpoint(Principal, Endpoint.Environment);

    /// <summary>What a service grain does with a delivered request.</summary>
    public async ValueTask<Envelope> ReceiveAsync(Envelope request)
    {
        var context = new MessageContext { Endpoint = Endpoint, Peer = request.Sender, Direction = WireDirection.Request };
        var verdict = await Pipeline.OpenAsync(request, context);
        Opened.Add((verdict, context));
        switch (verdict.Result.Outcome)
        {
            case OpenOutcome.Respond:
                return verdict.Result.Envelope!;
            case OpenOutcome.Reject:
                return new Envelope
                {
                    Kind = EnvelopeKind.Rejected,
                    Sender = Principal,
                    Recipient = request.Sender,
                    InReplyTo = request.Sequence,
                    Payload = Encoding.UTF8.GetBytes($"rejected by {verdict.Layer}: {verdict.Result.Reason}"),
                };
        }

        // Like a service, the reply answers the request's sequence unless the handler says otherwise.
        var opened = verdict.Result.Envelope!;
        var answer = Handler(opened);
        answer = answer.InReplyTo == 0 ? answer with { InReplyTo = opened.Sequence } : answer;
        var replyContext = context.ForReply();
        var reply = await Pipeline.SealAsync(answer, replyContext);
        OnReplySealed?.Invoke(reply, replyContext);
        return reply;
    }
}
