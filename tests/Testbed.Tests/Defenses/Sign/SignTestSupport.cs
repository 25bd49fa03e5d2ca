using Testbed.Defenses;
using Testbed.Defenses.Identity;
using Testbed.Defenses.Sign;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.Identity;
using Testbed.Wire;

namespace Testbed.Tests.Defenses.Sign;

/// <summary>
/// Two silos running the <c>sign</c> layer through a real <see cref="DefensePipeline"/>: principals on the sender silo
/// seal, principals on the receiver silo open, over a shared (fake) CA and clock.
/// </summary>
internal sealed class SignHarness : IDisposable
{
    public SignHarness(SignatureAlgorithm algorithm = SignatureAlgorithm.EcdsaP256, SignatureAlgorithm? receiverLayerAlgorithm = null)
    {
        World = new IdentityWorld(algorithm);
        SenderPipeline = new DefensePipelineBuilder().AddSign(new SignOptions { Algorithm = algorithm }).Build(World.SenderSilo.Environment);
        ReceiverPipeline = new DefensePipelineBuilder().AddSign(new SignOptions { Algorithm = receiverLayerAlgorithm ?? algorithm }).Build(World.ReceiverSilo.Environment);
    }

    public IdentityWorld World { get; }

    public DefensePipeline SenderPipeline { get; }

    public DefensePipeline ReceiverPipeline { get; }

    public SecurityEventLog ReceiverEvents => World.ReceiverSilo.Events;

    public static Envelope Request(string sender = "customer/1", string recipient = "payments/0", EnvelopeKind kind = EnvelopeKind.Order, string keyId = "", byte[]? payload = null) => new()
    {
        Kind = kind,
        Sender = sender,
        Recipient = recipient,
        Sequence = 7,
        TimestampMs = IdentityWorld.Start.ToUnixTimeMilliseconds(),
        KeyId = keyId,
        Payload = payload ?? "order o-1: 25 to account/2"u8.ToArray(),
    };

    /// <summary>Encodes and strictly decodes, as the wire does.</summary>
    public static Envelope OverTheWire(Envelope envelope) => EnvelopeCodec.Decode(EnvelopeCodec.Encode(envelope));

    public MessageContext SealContext(Envelope envelope) =>
        new() { Endpoint = new DefenseEndpoint(envelope.Sender, World.SenderSilo.Environment), Peer = envelope.Recipient, Direction = WireDirection.Request };

    public MessageContext OpenContext(Envelope envelope) =>
        new() { Endpoint = new DefenseEndpoint(envelope.Recipient, World.ReceiverSilo.Environment), Peer = envelope.Sender, Direction = WireDirection.Request };

    public async Task<Envelope> SealAsync(Envelope envelope) => OverTheWire(await SenderPipeline.SealAsync(envelope, SealContext(envelope)));

    /// <summary>Opens <paramref name="envelope"/> as a request delivered to its recipient on the receiver silo.</summary>
    public async Task<(PipelineVerdict Verdict, MessageContext Context)> OpenAsync(Envelope envelope, DefensePipeline? pipeline = null)
    {
        var context = OpenContext(envelope);
        var verdict = await (pipeline ?? ReceiverPipeline).OpenAsync(envelope, context);
        return (verdict, context);
    }

    /// <summary>The rejection reason, or "accepted" (only with the message authenticated) when the pipeline continued.</summary>
    public async Task<string> OutcomeAsync(Envelope envelope)
    {
        var (verdict, context) = await OpenAsync(envelope);
        return verdict.Result.Outcome switch
        {
            OpenOutcome.Continue when context.Authenticated => "accepted",
            OpenOutcome.Continue => "continued-unauthenticated",
            OpenOutcome.Reject => verdict.Result.Reason!,
            _ => "responded",
        };
    }

    public void Dispose() => World.Dispose();
}
