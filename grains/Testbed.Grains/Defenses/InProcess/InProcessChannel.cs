using System.Text;
using Testbed.Defenses.Identity;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Defenses.InProcess;

/// <summary>
/// Principals exchanging envelopes through one defense stack without a cluster: an in-process <see cref="IWire"/> that
/// encodes and strictly decodes every envelope and hands it to the recipient node, which opens it, answers with an
/// echo and seals the reply — as a service grain does. There is no transport, so a request's source is its sender (as a
/// service's own traffic is on the cluster). Used by the benchmarks to measure a stack's seal and open.
/// </summary>
public sealed class InProcessChannel : IWire, IDisposable
{
    private readonly Dictionary<string, InProcessNode> _nodes = new(StringComparer.Ordinal);
    private readonly InProcessIdentities _identities;

    /// <summary>A channel whose nodes all run the pipeline <paramref name="stack"/> describes.</summary>
    public InProcessChannel(DefensePipelineBuilder stack, TimeProvider? time = null, SignatureAlgorithm algorithm = SignatureAlgorithm.EcdsaP256)
    {
        _identities = new InProcessIdentities(algorithm);
        Environment = new DefenseEnvironment(time ?? TimeProvider.System, _identities, _identities, Events, this);
        Pipeline = stack.Build(Environment);
    }

    /// <summary>The environment every node's layers use.</summary>
    public DefenseEnvironment Environment { get; }

    /// <summary>The shared pipeline (layer instances are per silo; here the channel is the silo).</summary>
    public DefensePipeline Pipeline { get; }

    /// <summary>Rejections recorded by the nodes' pipelines.</summary>
    public SecurityEventLog Events { get; } = new();

    /// <summary>Adds a principal.</summary>
    public InProcessNode Add(string principal)
    {
        var node = new InProcessNode(principal, Pipeline, new DefenseEndpoint(principal, Environment));
        _nodes[principal] = node;
        return node;
    }

    /// <inheritdoc />
    public async ValueTask<Envelope> SendAsync(Envelope request, CancellationToken cancellationToken = default)
    {
        var delivered = EnvelopeCodec.Decode(EnvelopeCodec.Encode(request));
        var reply = _nodes.TryGetValue(delivered.Recipient, out var node)
            ? await node.ReceiveAsync(delivered)
            : throw new EnvelopeLostException($"no node for {delivered.Recipient}");
        return EnvelopeCodec.Decode(EnvelopeCodec.Encode(reply));
    }

    /// <inheritdoc />
    public void Dispose() => _identities.Dispose();
}

/// <summary>One principal of an <see cref="InProcessChannel"/>.</summary>
public sealed class InProcessNode(string principal, DefensePipeline pipeline, DefenseEndpoint endpoint)
{
    /// <summary>The principal.</summary>
    public string Principal { get; } = principal;

    /// <summary>Its per-layer state.</summary>
    public DefenseEndpoint Endpoint { get; } = endpoint;

    /// <summary>Seals a request to <paramref name="peer"/> (running a handshake first when the stack has sessions).</summary>
    public ValueTask<Envelope> SealAsync(Envelope request, out MessageContext context)
    {
        context = new MessageContext { Endpoint = Endpoint, Peer = request.Recipient, Direction = WireDirection.Request };
        return pipeline.SealAsync(request, context);
    }

    /// <summary>
    /// Opens a request from its sender, as the receiving service would, and releases what admission held for it (as if
    /// it had been handled at once).
    /// </summary>
    public async ValueTask<PipelineVerdict> OpenAsync(Envelope request)
    {
        var context = new MessageContext { Endpoint = Endpoint, Peer = request.Sender, Direction = WireDirection.Request, Source = request.Sender };
        try
        {
            return await pipeline.OpenAsync(request, context);
        }
        finally
        {
            context.Release();
        }
    }

    /// <summary>What a service grain does with a delivered request: open it, echo the payload back, seal the reply.</summary>
    public async ValueTask<Envelope> ReceiveAsync(Envelope request)
    {
        var context = new MessageContext { Endpoint = Endpoint, Peer = request.Sender, Direction = WireDirection.Request, Source = request.Sender };
        try
        {
            var verdict = await pipeline.OpenAsync(request, context);
            return verdict.Result.Outcome switch
            {
                OpenOutcome.Respond => verdict.Result.Envelope!,
                OpenOutcome.Reject => new Envelope
                {
                    Kind = EnvelopeKind.Rejected, Sender = Principal, Recipient = request.Sender,
                    Payload = Encoding.UTF8.GetBytes($"rejected by {verdict.Layer}: {verdict.Result.Reason}"),
                },
                _ => await pipeline.SealAsync(
                    new Envelope { Kind = EnvelopeKind.EchoReply, Sender = Principal, Recipient = request.Sender, TimestampMs = request.TimestampMs, Payload = verdict.Result.Envelope!.Payload },
                    context.ForReply()),
            };
        }
        finally
        {
            context.Release();
        }
    }
}
