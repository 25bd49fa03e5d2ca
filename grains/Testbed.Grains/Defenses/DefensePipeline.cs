using Testbed.Envelopes;

namespace Testbed.Defenses;

/// <summary>The verdict of the whole inbound pipeline, with the layer that decided when it was not "continue".</summary>
public readonly record struct PipelineVerdict(OpenResult Result, string? Layer);

/// <summary>
/// The composed channel pipeline of one silo: layers ordered by <see cref="DefenseStage"/> (see there for the inbound
/// and outbound orders); once every layer has let a request through, the layers that are also an
/// <see cref="IAcceptanceCheck"/> decide on it, in the same order. Every inbound rejection is recorded as a
/// <see cref="SecurityEvent"/> (with the frame's <see cref="MessageContext.Source"/>). With no layers it is
/// <see cref="IsEmpty"/> and services skip it entirely.
/// </summary>
public sealed class DefensePipeline
{
    private readonly IDefenseLayer[] _open;
    private readonly IDefenseLayer[] _seal;
    private readonly (IDefenseLayer Layer, IAcceptanceCheck Check)[] _accept;

    /// <summary>Composes <paramref name="layers"/> (any order; a stable sort by stage places them).</summary>
    public DefensePipeline(IEnumerable<IDefenseLayer> layers)
    {
        Layers = layers.OrderBy(l => l.Stage).ToArray();
        _open = [.. Layers];
        _seal = Layers.Where(l => l.Stage is not DefenseStage.Admission and not DefenseStage.Authorization)
            .OrderBy(l => SealRank(l.Stage)).ToArray();
        _ownsHandshakes = Layers.Any(l => l.Stage == DefenseStage.Channel);
        _accept = Layers.OfType<IAcceptanceCheck>().Select(c => ((IDefenseLayer)c, c)).ToArray();
    }

    // Layers pass handshake envelopes through untouched because the channel (session) layer owns them; without one,
    // nothing would authenticate them, so the pipeline refuses them in the name of its first layer after admission.
    private readonly bool _ownsHandshakes;

    /// <summary>The rejection reason of a handshake envelope that reaches a pipeline with no session layer.</summary>
    public const string UnexpectedHandshake = "unexpected-handshake";

    /// <summary>A pipeline with no layers.</summary>
    public static DefensePipeline Empty { get; } = new([]);

    /// <summary>The layers, in inbound order.</summary>
    public IReadOnlyList<IDefenseLayer> Layers { get; }

    /// <summary>True when there are no layers.</summary>
    public bool IsEmpty => Layers.Count == 0;

    /// <summary>The layer names, in inbound order.</summary>
    public IReadOnlyList<string> Names => Layers.Select(l => l.Name).ToArray();

    /// <summary>Runs the outbound stages: channel, freshness, protection, authenticity.</summary>
    public async ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context)
    {
        foreach (var layer in _seal)
        {
            envelope = await layer.SealAsync(envelope, context);
        }

        context.SealedSequence = envelope.Sequence;
        return envelope;
    }

    /// <summary>
    /// Runs the inbound stages in order; stops at the first layer that rejects or responds. A reply is bound to its
    /// request: once a layer has authenticated it, its <see cref="Envelope.InReplyTo"/> must be the sequence of the request
    /// this exchange sealed (<see cref="MessageContext.Answers"/>), or the reply is refused as <c>reply-mismatch</c> by
    /// that layer — an authenticated answer to another request, withheld and delivered in this one's place.
    /// </summary>
    public async ValueTask<PipelineVerdict> OpenAsync(Envelope envelope, MessageContext context)
    {
        var bindReply = context.Direction == Wire.WireDirection.Reply && context.Answers != 0;
        var refuseHandshake = !_ownsHandshakes && envelope.Kind is EnvelopeKind.Handshake or EnvelopeKind.HandshakeReply;
        foreach (var layer in _open)
        {
            var wasAuthenticated = context.Authenticated;
            var result = refuseHandshake && layer.Stage != DefenseStage.Admission // admission still counts them first
                ? OpenResult.Reject(UnexpectedHandshake)
                : await layer.OpenAsync(envelope, context);
            // Once authenticated: a reply must answer this exchange's request, and a request must not claim to answer one
            // (a reply reflected back to its sender as a request).
            if (result.Outcome == OpenOutcome.Continue && !wasAuthenticated && context.Authenticated && result.Envelope is { } opened
                && (bindReply ? opened.InReplyTo != context.Answers : context.Direction == Wire.WireDirection.Request && opened.InReplyTo != 0))
            {
                result = OpenResult.Reject(ReplyMismatch);
            }

            switch (result.Outcome)
            {
                case OpenOutcome.Continue:
                    envelope = result.Envelope ?? throw new InvalidOperationException($"layer {layer.Name} continued without an envelope");
                    break;
                case OpenOutcome.Reject:
                    return Rejected(layer, result, envelope, context);
                default:
                    return new PipelineVerdict(result, layer.Name);
            }
        }

        if (context.Direction == Wire.WireDirection.Request)
        {
            foreach (var (layer, check) in _accept)
            {
                if (check.OnAccepted(envelope, context) is { } reason)
                {
                    return Rejected(layer, OpenResult.Reject(reason), envelope, context);
                }
            }
        }

        return new PipelineVerdict(OpenResult.Continue(envelope), null);
    }

    /// <summary>
    /// True for an unauthenticated <see cref="EnvelopeKind.Rejected"/> reply: the peer refused the request before it could
    /// authenticate it (and recorded that refusal as its own event), so the requester refuses the answer — nothing
    /// unauthenticated is believed — without a second event: one cause, one event. A forged refusal is no more than a drop.
    /// </summary>
    private static bool IsConsequential(Envelope envelope, MessageContext context) =>
        context.Direction == Wire.WireDirection.Reply && envelope.Kind == EnvelopeKind.Rejected && !context.Authenticated
        && envelope.Tag.IsEmpty && !KeyIdSegments.TryGet(envelope.KeyId, Session.SessionTable.Segment, out _); // carries no protection at all: a failed check on a protected one is recorded

    /// <summary>The rejection reason of an authenticated reply that answers another request.</summary>
    public const string ReplyMismatch = "reply-mismatch";

    private static PipelineVerdict Rejected(IDefenseLayer layer, OpenResult result, Envelope envelope, MessageContext context)
    {
        if (!IsConsequential(envelope, context))
        {
            var env = context.Endpoint.Environment;
            env.Events.Record(new SecurityEvent(env.Time.GetUtcNow(), layer.Name, result.Reason ?? "rejected", envelope.Sender, context.Endpoint.Principal, envelope.Kind)
            {
                Source = context.Source,
            });
        }

        return new PipelineVerdict(result, layer.Name);
    }

    private static int SealRank(DefenseStage stage) => stage switch
    {
        DefenseStage.Channel => 0,
        DefenseStage.Freshness => 1,
        DefenseStage.Protection => 2,
        _ => 3,
    };
}

/// <summary>
/// Builds a <see cref="DefensePipeline"/> (as Polly's ResiliencePipelineBuilder: each defense contributes an
/// <c>AddXxx(options)</c> extension). Layers are created per silo from the silo's <see cref="DefenseEnvironment"/>.
/// </summary>
public sealed class DefensePipelineBuilder
{
    private readonly List<(string Name, Func<DefenseEnvironment, IDefenseLayer> Create, string[] Requires, string[] Excludes)> _layers = [];

    /// <summary>Names added so far, in order.</summary>
    public IReadOnlyList<string> Names => _layers.Select(l => l.Name).ToArray();

    /// <summary>The layers each added layer cannot work without (e.g. encrypt → session), by layer name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Requirements =>
        _layers.ToDictionary(l => l.Name, l => (IReadOnlyList<string>)l.Requires, StringComparer.Ordinal);

    /// <summary>
    /// Adds a layer. <paramref name="requires"/> names layers it cannot work without (e.g. encrypt needs session);
    /// <paramref name="excludes"/> names layers it cannot be combined with (e.g. two layers that both own the tag).
    /// </summary>
    public DefensePipelineBuilder AddLayer(string name, Func<DefenseEnvironment, IDefenseLayer> create, string[]? requires = null, string[]? excludes = null)
    {
        if (_layers.Any(l => l.Name == name))
        {
            throw new ArgumentException($"defense '{name}' is already in the pipeline");
        }

        _layers.Add((name, create, requires ?? [], excludes ?? []));
        return this;
    }

    /// <summary>Checks the combination; throws <see cref="ArgumentException"/> naming what is missing or conflicting.</summary>
    public void Validate()
    {
        var names = Names.ToHashSet(StringComparer.Ordinal);
        foreach (var (name, _, requires, excludes) in _layers)
        {
            foreach (var required in requires.Where(r => !names.Contains(r)))
            {
                throw new ArgumentException($"defense '{name}' needs '{required}' in the same pipeline");
            }

            foreach (var excluded in excludes.Where(names.Contains))
            {
                throw new ArgumentException($"defense '{name}' cannot be combined with '{excluded}'");
            }
        }
    }

    /// <summary>Creates the layers for one silo.</summary>
    public DefensePipeline Build(DefenseEnvironment environment)
    {
        Validate();
        return new DefensePipeline(_layers.Select(l => l.Create(environment)));
    }
}
