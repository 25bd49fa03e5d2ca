using System.Text;
using Microsoft.Extensions.Time.Testing;
using Testbed.Defenses;
using Testbed.Defenses.Encrypt;
using Testbed.Defenses.Mac;
using Testbed.Defenses.Session;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Tests.Defenses.Session.Fakes;

/// <summary>The outcome of one request/reply exchange sent through the pipelines and the loopback wire.</summary>
internal sealed record Exchange(Envelope SealedRequest, MessageContext Context, Envelope WireReply, PipelineVerdict ReplyVerdict)
{
    /// <summary>The session the request was sealed on.</summary>
    public SessionState Session => (SessionState)Context.Session!;

    /// <summary>The opened reply's payload as text (throws when the reply was not accepted).</summary>
    public string ReplyText => ReplyVerdict.Result.Outcome == OpenOutcome.Continue
        ? Encoding.UTF8.GetString(ReplyVerdict.Result.Envelope!.Payload.Span)
        : throw new InvalidOperationException($"reply not accepted: {ReplyVerdict.Layer} {ReplyVerdict.Result.Reason} ({Encoding.UTF8.GetString(WireReply.Payload.Span)})");
}

/// <summary>
/// Principals on one in-memory "silo": a fake clock, in-memory identities, a security event log and a loopback wire,
/// with helpers to build pipelines and run exchanges the way services do.
/// </summary>
internal sealed class SessionHarness
{
    public SessionHarness()
    {
        Keys = new InMemoryKeyStore();
        Trust = new InMemoryTrustStore(Keys);
        Environment = new DefenseEnvironment(Time, Keys, Trust, Events, Wire);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public InMemoryKeyStore Keys { get; }

    public InMemoryTrustStore Trust { get; }

    public SecurityEventLog Events { get; } = new();

    public LoopbackWire Wire { get; } = new();

    public DefenseEnvironment Environment { get; }

    /// <summary>
    /// A pipeline builder for a stack such as "encrypt", "mac" or "encrypt+mac" (session is always added first), with the
    /// given options.
    /// </summary>
    public static DefensePipelineBuilder Stack(string stack, SessionOptions? session = null, EncryptOptions? encrypt = null)
    {
        var builder = new DefensePipelineBuilder().AddSession(session);
        foreach (var name in stack.Split('+', StringSplitOptions.RemoveEmptyEntries))
        {
            _ = name switch
            {
                "encrypt" => builder.AddEncrypt(encrypt),
                "mac" => builder.AddMac(),
                _ => throw new ArgumentException($"unknown layer {name}"),
            };
        }

        return builder;
    }

    /// <summary>Adds a principal whose pipeline <paramref name="builder"/> describes.</summary>
    public LoopbackNode Add(string principal, DefensePipelineBuilder builder) => Add(principal, builder.Build(Environment));

    /// <summary>Adds a principal with a ready pipeline.</summary>
    public LoopbackNode Add(string principal, DefensePipeline pipeline)
    {
        var node = new LoopbackNode(principal, pipeline, Environment);
        Wire.Register(node);
        return node;
    }

    /// <summary>A plain request envelope from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public Envelope Request(LoopbackNode from, LoopbackNode to, string text, EnvelopeKind kind = EnvelopeKind.Order) => new()
    {
        Kind = kind,
        Sender = from.Principal,
        Recipient = to.Principal,
        Sequence = 7,
        TimestampMs = Time.GetUtcNow().ToUnixTimeMilliseconds(),
        Payload = Encoding.UTF8.GetBytes(text),
    };

    /// <summary>Seals a request as a service does (which may run a handshake first); returns it and its context.</summary>
    public async Task<(Envelope Sealed, MessageContext Context)> SealAsync(LoopbackNode from, LoopbackNode to, string text)
    {
        var context = new MessageContext { Endpoint = from.Endpoint, Peer = to.Principal, Direction = WireDirection.Request };
        var sealedRequest = await from.Pipeline.SealAsync(Request(from, to, text), context);
        return (sealedRequest, context);
    }

    /// <summary>Sends a sealed request over the wire and opens the reply with the request's context.</summary>
    public async Task<Exchange> DeliverAsync(LoopbackNode from, Envelope sealedRequest, MessageContext context)
    {
        var reply = await Wire.SendAsync(sealedRequest);
        var verdict = await from.Pipeline.OpenAsync(reply, context.ForResponse());
        return new Exchange(sealedRequest, context, reply, verdict);
    }

    /// <summary>A whole exchange: seal, send, open the reply.</summary>
    public async Task<Exchange> SendAsync(LoopbackNode from, LoopbackNode to, string text)
    {
        var (sealedRequest, context) = await SealAsync(from, to, text);
        return await DeliverAsync(from, sealedRequest, context);
    }

    /// <summary>Opens <paramref name="envelope"/> at <paramref name="at"/> as a request from its sender.</summary>
    public static ValueTask<PipelineVerdict> OpenRequestAsync(LoopbackNode at, Envelope envelope) =>
        at.Pipeline.OpenAsync(envelope, new MessageContext { Endpoint = at.Endpoint, Peer = envelope.Sender, Direction = WireDirection.Request });

    /// <summary>Runs <paramref name="body"/> on a one-at-a-time scheduler, so awaits interleave as in a reentrant grain.</summary>
    public static Task OnGrainSchedulerAsync(Func<Task> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.None, new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler).Unwrap();

    /// <summary>The (layer, reason) pairs of the recorded security events.</summary>
    public IReadOnlyList<(string Layer, string Reason)> EventReasons => Events.Events.Select(e => (e.Layer, e.Reason)).ToArray();
}
