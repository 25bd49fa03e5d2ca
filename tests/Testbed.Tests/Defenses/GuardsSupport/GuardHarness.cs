using Microsoft.Extensions.Time.Testing;
using Testbed.Defenses;
using Testbed.Defenses.Identity;
using Testbed.Defenses.Replay;
using Testbed.Envelopes;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Defenses.GuardsSupport;

/// <summary>
/// A real <see cref="DefensePipeline"/> on a <see cref="DefenseEnvironment"/> with a fake clock, a real event log and
/// null-object key store, trust store and wire (the replay, ratelimit and authz layers use none of them).
/// </summary>
internal sealed class GuardHarness
{
    public GuardHarness(Action<DefensePipelineBuilder> configure, DateTimeOffset? start = null, IReplayHorizonStore? horizons = null)
    {
        Time = new FakeTimeProvider(start ?? new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));
        Environment = new DefenseEnvironment(Time, new NoKeys(), new NoTrust(), Events, new NoWire(), horizons);
        var builder = new DefensePipelineBuilder();
        configure(builder);
        Pipeline = builder.Build(Environment);
    }

    public FakeTimeProvider Time { get; }

    public SecurityEventLog Events { get; } = new();

    public DefenseEnvironment Environment { get; }

    public DefensePipeline Pipeline { get; }

    private readonly Dictionary<string, DefenseEndpoint> _endpoints = [];

    public DefenseEndpoint Endpoint(string principal)
    {
        if (!_endpoints.TryGetValue(principal, out var endpoint))
        {
            endpoint = new DefenseEndpoint(principal, Environment);
            _endpoints[principal] = endpoint;
        }

        return endpoint;
    }

    /// <summary>Drops <paramref name="principal"/>'s endpoint, as a deactivation does: its next message meets a new one on the same environment.</summary>
    public void Reactivate(string principal) => _endpoints.Remove(principal);

    public T Layer<T>() where T : IDefenseLayer => Pipeline.Layers.OfType<T>().Single();

    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Opens <paramref name="envelope"/> at its recipient's endpoint, as delivered from wire source <paramref name="source"/>
    /// (default: its claimed sender, as a service's own traffic is); returns the verdict and the context (to release).
    /// </summary>
    public (PipelineVerdict Verdict, MessageContext Context) Open(Envelope envelope, WireDirection direction = WireDirection.Request, string? source = null)
    {
        var context = new MessageContext { Endpoint = Endpoint(envelope.Recipient), Peer = envelope.Sender, Direction = direction, Source = source ?? envelope.Sender };
        var task = Pipeline.OpenAsync(envelope, context);
        Assert.True(task.IsCompleted, "these layers complete synchronously");
        return (task.Result, context);
    }

    /// <summary>Opens and releases at once; returns the rejection reason, or null when the envelope passed.</summary>
    public string? Reason(Envelope envelope, WireDirection direction = WireDirection.Request, string? source = null)
    {
        var (verdict, context) = Open(envelope, direction, source);
        context.Release();
        return verdict.Result.Outcome == OpenOutcome.Reject ? verdict.Result.Reason : null;
    }

    public Envelope Seal(Envelope envelope, WireDirection direction = WireDirection.Request)
    {
        var context = new MessageContext { Endpoint = Endpoint(envelope.Sender), Peer = envelope.Recipient, Direction = direction };
        var task = Pipeline.SealAsync(envelope, context);
        Assert.True(task.IsCompleted, "these layers complete synchronously");
        return task.Result;
    }

    public static Envelope Message(
        string from, string to, EnvelopeKind kind = EnvelopeKind.Echo, ulong sequence = 1, long timestampMs = 0, string keyId = "") => new()
    {
        Kind = kind,
        Sender = from,
        Recipient = to,
        Sequence = sequence,
        TimestampMs = timestampMs,
        KeyId = keyId,
        Payload = new byte[] { 1, 2, 3 },
    };

    /// <summary>Events recorded so far as (layer, reason, claimed sender).</summary>
    public IReadOnlyList<(string Layer, string Reason, string Sender)> EventList =>
        Events.Events.Select(e => (e.Layer, e.Reason, e.ClaimedSender)).ToArray();

    private sealed class NoKeys : IKeyStore
    {
        public ValueTask<ISigningKey> GetSigningKeyAsync(string principal) => throw new InvalidOperationException("no keys in this test");
    }

    private sealed class NoTrust : ITrustStore
    {
        public ValueTask<ISignatureVerifier?> GetVerifierAsync(string principal, int version) => ValueTask.FromResult<ISignatureVerifier?>(null);
    }

    private sealed class NoWire : IWire
    {
        public ValueTask<Envelope> SendAsync(Envelope request, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("no wire in this test");
    }
}

/// <summary>Stands in for the session defense where a test needs only its name (replay window mode requires it).</summary>
internal sealed class PassThroughSessionLayer : IDefenseLayer
{
    public string Name => "session";

    public DefenseStage Stage => DefenseStage.Channel;

    public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(envelope);

    public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(OpenResult.Continue(envelope));
}
