using System.Text;
using Testbed.Defenses;
using Testbed.Defenses.InProcess;
using Testbed.Envelopes;
using Testbed.Scenarios;
using Testbed.Wire;

namespace Testbed.Fuzz.Targets;

/// <summary>A clock that moves only when told to.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>What a captured frame is on the wire.</summary>
internal enum FrameRole
{
    Request,
    Reply,
    Hello,
    HandshakeReply,
}

/// <summary>A genuine frame captured from the exchange, and whether its receiver has already accepted it.</summary>
internal sealed class Frame(byte[] bytes, FrameRole role, Envelope sealedEnvelope, string? content, MessageContext? requestContext)
{
    public byte[] Bytes { get; } = bytes;
    public FrameRole Role { get; } = role;
    public Envelope Sealed { get; } = sealedEnvelope;

    /// <summary>What the receiving service sees when it accepts the frame (see <see cref="PipelineHarness.ContentOf"/>); null for a handshake reply.</summary>
    public string? Content { get; } = content;

    /// <summary>For a reply: the context its request was sealed with (a reply is opened in that context).</summary>
    public MessageContext? RequestContext { get; } = requestContext;

    public bool Consumed { get; set; }
}

/// <summary>
/// One epoch of a pipeline target: three principals (customer/0, payments/0, account/0) on one silo's pipeline for a
/// preset, with in-process identities and a manual clock, and the genuine frames of a real exchange between them:
/// per pair (customer → payments orders, payments → account debits) six sealed requests, the first three delivered and
/// answered, the first reply opened; with sessions the handshakes (hello and reply) that preceded them, and one more
/// hello from a second, shadow exchange that the real responder has not seen. Frames delivered in the exchange are
/// consumed (a byte-identical copy is a replay); the others are fresh.
/// </summary>
internal sealed class PipelineHarness : IDisposable
{
    public const string Customer = "customer/0";
    public const string Payments = "payments/0";
    public const string Account = "account/0";

    private readonly InProcessIdentities _identities = new();
    private readonly Dictionary<string, DefenseEndpoint> _endpoints = new(StringComparer.Ordinal);
    private Func<string, DefenseEndpoint?> _route;

    public PipelineHarness(string preset, int epoch)
    {
        Clock = new ManualClock(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero).AddHours(epoch));
        Environment = new DefenseEnvironment(Clock, _identities, _identities, Events, new CapturingWire(this));
        Pipeline = DefenseCatalog.Resolve([new DefenseSpec { Name = preset }]).Pipeline.Build(Environment);
        foreach (var principal in new[] { Customer, Payments, Account })
        {
            _endpoints[principal] = new DefenseEndpoint(principal, Environment);
        }

        _route = p => _endpoints.GetValueOrDefault(p);
        Exchange(Customer, Payments, EnvelopeKind.Order, EnvelopeKind.OrderReply);
        Exchange(Payments, Account, EnvelopeKind.Debit, EnvelopeKind.DebitReply);
        if (Pipeline.Names.Contains("session"))
        {
            ShadowHello();
        }

        Corpus = [.. Frames.Select(f => f.Bytes)];
    }

    public ManualClock Clock { get; }

    public SecurityEventLog Events { get; } = new(capacity: 16);

    public DefenseEnvironment Environment { get; }

    public DefensePipeline Pipeline { get; }

    public List<Frame> Frames { get; } = [];

    public IReadOnlyList<byte[]> Corpus { get; }

    public Dictionary<byte[], Frame> ByBytes { get; } = new(ByteArrayComparer.Instance);

    /// <summary>Genuine contents, and whether the service has already received each.</summary>
    public Dictionary<string, (Frame Frame, bool Delivered)> ByContent { get; } = new(StringComparer.Ordinal);

    /// <summary>The endpoint the wire delivers a request for <paramref name="recipient"/> to (a fresh one for a stranger, as a new grain would be).</summary>
    public DefenseEndpoint EndpointFor(string recipient) => _endpoints.GetValueOrDefault(recipient) ?? new DefenseEndpoint(recipient, Environment);

    /// <summary>What a service sees of an accepted message: kind, sender, recipient, sequence, timestamp, plaintext payload.</summary>
    public static string ContentOf(Envelope e) =>
        $"{e.Kind}|{e.Sender}|{e.Recipient}|{e.Sequence}|{e.TimestampMs}|{Convert.ToHexString(e.Payload.Span)}";

    /// <summary>What a responder acts on in a hello: the claimed initiator and the hello payload.</summary>
    public static string HelloContentOf(Envelope e) => $"hello|{e.Sender}|{Convert.ToHexString(e.Payload.Span)}";

    public static T Complete<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    public void Dispose()
    {
        foreach (var layer in Pipeline.Layers.OfType<IDisposable>())
        {
            layer.Dispose();
        }

        _identities.Dispose();
    }

    private void Exchange(string from, string to, EnvelopeKind kind, EnvelopeKind replyKind)
    {
        var sent = new List<(Frame Frame, MessageContext Context)>();
        for (var i = 0; i < 6; i++)
        {
            var payload = Encoding.ASCII.GetBytes($"{kind} #{i} from {from} to {to}");
            var context = new MessageContext { Endpoint = _endpoints[from], Peer = to, Direction = WireDirection.Request };
            var request = new Envelope { Kind = kind, Sender = from, Recipient = to, Sequence = (ulong)i + 1, TimestampMs = NowMs, Payload = payload };
            var sealedRequest = Complete(Pipeline.SealAsync(request, context));
            sent.Add((Add(sealedRequest, FrameRole.Request, ContentOf(sealedRequest with { Payload = payload }), null), context));
            Clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        for (var i = 0; i < 3; i++)
        {
            var (frame, requestContext) = sent[i];
            var context = new MessageContext { Endpoint = _endpoints[to], Peer = from, Direction = WireDirection.Request };
            var opened = Open(frame, context);
            var reply = new Envelope
            {
                Kind = replyKind, Sender = to, Recipient = from, Sequence = 100 + (ulong)i, TimestampMs = NowMs, InReplyTo = opened.Sequence,
                Payload = Encoding.ASCII.GetBytes($"{replyKind} to {opened.Kind} #{i}"),
            };
            var sealedReply = Complete(Pipeline.SealAsync(reply, context.ForReply()));
            context.Release();
            var replyFrame = Add(sealedReply, FrameRole.Reply, ContentOf(sealedReply with { Payload = reply.Payload }), requestContext);
            if (i == 0)
            {
                Open(replyFrame, requestContext.ForResponse());
            }
        }
    }

    /// <summary>A hello the real responder has never seen: the same principals' handshake between two other endpoints.</summary>
    private void ShadowHello()
    {
        var shadowClient = new DefenseEndpoint(Customer, Environment);
        var shadowServer = new DefenseEndpoint(Payments, Environment);
        _route = p => p == Payments ? shadowServer : null;
        var context = new MessageContext { Endpoint = shadowClient, Peer = Payments, Direction = WireDirection.Request };
        Complete(Pipeline.SealAsync(new Envelope { Kind = EnvelopeKind.Order, Sender = Customer, Recipient = Payments, TimestampMs = NowMs, Payload = new byte[3] }, context));
        _route = p => _endpoints.GetValueOrDefault(p);
    }

    /// <summary>Delivers a genuine frame in the exchange; it must be accepted.</summary>
    private Envelope Open(Frame frame, MessageContext context)
    {
        try
        {
            var verdict = Complete(Pipeline.OpenAsync(EnvelopeCodec.Decode(frame.Bytes), context));
            if (verdict.Result.Outcome != OpenOutcome.Continue)
            {
                throw new InvalidOperationException($"fuzz setup: the genuine {frame.Role} {frame.Sealed.Kind} was refused by {verdict.Layer}: {verdict.Result.Reason}");
            }

            MarkDelivered(frame);
            return verdict.Result.Envelope!;
        }
        finally
        {
            context.Release();
        }
    }

    public void MarkDelivered(Frame frame)
    {
        frame.Consumed = true;
        if (frame.Content is { } content)
        {
            ByContent[content] = (frame, true);
        }
    }

    private Frame Add(Envelope sealedEnvelope, FrameRole role, string? content, MessageContext? requestContext)
    {
        var bytes = EnvelopeCodec.Encode(sealedEnvelope);
        var frame = new Frame(bytes, role, sealedEnvelope, content, requestContext);
        Frames.Add(frame);
        ByBytes.TryAdd(bytes, frame);
        if (content is not null)
        {
            ByContent.TryAdd(content, (frame, false));
        }

        return frame;
    }

    private long NowMs => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The wire the session layer sends its handshakes on: delivers to the routed endpoint and records both frames.</summary>
    private sealed class CapturingWire(PipelineHarness harness) : IWire
    {
        public ValueTask<Envelope> SendAsync(Envelope request, CancellationToken cancellationToken = default)
        {
            var delivered = EnvelopeCodec.Decode(EnvelopeCodec.Encode(request));
            var endpoint = harness._route(delivered.Recipient) ?? throw new EnvelopeLostException($"no endpoint for {delivered.Recipient}");
            var real = ReferenceEquals(endpoint, harness._endpoints.GetValueOrDefault(delivered.Recipient));
            var context = new MessageContext { Endpoint = endpoint, Peer = delivered.Sender, Direction = WireDirection.Request };
            PipelineVerdict verdict;
            try
            {
                verdict = Complete(harness.Pipeline.OpenAsync(delivered, context));
            }
            finally
            {
                context.Release();
            }

            var reply = verdict.Result.Outcome == OpenOutcome.Respond
                ? verdict.Result.Envelope!
                : throw new InvalidOperationException($"fuzz setup: the genuine {delivered.Kind} was answered with {verdict.Result.Outcome} by {verdict.Layer}: {verdict.Result.Reason}");
            var hello = harness.Add(delivered, delivered.Kind == EnvelopeKind.Handshake ? FrameRole.Hello : FrameRole.Request, HelloContentOf(delivered), null);
            var answer = harness.Add(reply, FrameRole.HandshakeReply, null, null);
            answer.Consumed = true;
            if (real)
            {
                harness.MarkDelivered(hello);
            }

            return ValueTask.FromResult(EnvelopeCodec.Decode(EnvelopeCodec.Encode(reply)));
        }
    }
}

/// <summary>Byte arrays compared and hashed by content.</summary>
internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>
{
    public static ByteArrayComparer Instance { get; } = new();

    public bool Equals(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }
}
