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
        _accept = Layers.OfType<IAcceptanceCheck>().Select(c => ((IDefenseLayer)c, c)).ToArray();
    }

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

        return envelope;
    }

    /// <summary>Runs the inbound stages in order; stops at the first layer that rejects or responds.</summary>
    public async ValueTask<PipelineVerdict> OpenAsync(Envelope envelope, MessageContext context)
    {
        foreach (var layer in _open)
        {
            var result = await layer.OpenAsync(envelope, context);
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

    private static PipelineVerdict Rejected(IDefenseLayer layer, OpenResult result, Envelope envelope, MessageContext context)
    {
        var env = context.Endpoint.Environment;
        env.Events.Record(new SecurityEvent(env.Time.GetUtcNow(), layer.Name, result.Reason ?? "rejected", envelope.Sender, context.Endpoint.Principal, envelope.Kind)
        {
            Source = context.Source,
        });
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
