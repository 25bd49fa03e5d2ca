using System.Text;
using Testbed.Defenses;
using Testbed.Envelopes;
using Testbed.Fuzz.Engine;
using Testbed.Wire;

namespace Testbed.Fuzz.Targets;

/// <summary>
/// The whole inbound pipeline of a preset (DefensePipeline.OpenAsync on the receiving endpoint) fed with mutations of
/// the genuine frames of a real exchange (<see cref="PipelineHarness"/>, renewed every <see cref="EpochInputs"/>
/// inputs, with the clock moving 0.1 ms per input). A mutation the codec refuses never reaches the pipeline, as on the
/// wire. Properties: OpenAsync never throws; for a preset that authenticates, an accepted input (continue, or a
/// handshake answered) is a violation when it is a byte-identical copy of a frame already accepted (a replay), when what
/// the service would see equals a message already delivered (a replay in other bytes), or when it equals no genuine
/// message at all (a forgery). An accepted input that carries a genuine message not delivered yet in other bytes is
/// counted as malleable. For <c>none</c> only "never throws" applies.
/// </summary>
public sealed class PipelineTarget(string preset) : IFuzzTarget
{
    /// <summary>Inputs per epoch (one exchange's frames).</summary>
    public const int EpochInputs = 4096;

    private static readonly TimeSpan Step = TimeSpan.FromTicks(1000);
    private readonly Dictionary<string, long> _statistics = new(StringComparer.Ordinal);
    private readonly bool _authenticates = preset != "none";
    private PipelineHarness? _harness;
    private int _epoch;

    /// <summary>The presets this build knows, each a target "pipeline-PRESET".</summary>
    public static IReadOnlyList<string> Presets => [.. DefenseCatalog.Presets.Keys];

    /// <inheritdoc />
    public string Name => $"pipeline-{preset}";

    /// <inheritdoc />
    public string Checks => _authenticates
        ? "OpenAsync never throws; no forgery, replay or replayed content is accepted"
        : "OpenAsync never throws (nothing authenticates)";

    /// <inheritdoc />
    public bool Stateless => false;

    /// <inheritdoc />
    public IReadOnlyList<byte[]> Corpus => Harness.Corpus;

    /// <inheritdoc />
    public IMutator Mutator { get; } = new VerbatimSometimes(
        new ByteMutator(EnvelopeMutations.Dictionary, EnvelopeMutations.Fields, EnvelopeMutations.Mutate) { StructuredShare = 2 });

    /// <summary>Outcomes by layer and reason (how far the inputs got).</summary>
    public IReadOnlyDictionary<string, long> Statistics => _statistics;

    private PipelineHarness Harness => _harness ?? throw new InvalidOperationException("BeforeInput(0) was not called");

    /// <inheritdoc />
    public void BeforeInput(long index)
    {
        if (_harness is null || index % EpochInputs == 0)
        {
            _harness?.Dispose();
            _harness = new PipelineHarness(preset, _epoch++);
        }
    }

    /// <inheritdoc />
    public Verdict Run(int seedIndex, byte[] input)
    {
        var h = Harness;
        h.Clock.Advance(Step);
        var frame = h.Frames[seedIndex];
        if (!EnvelopeCodec.TryDecodeOwned(input, out var envelope, out _))
        {
            Count("codec refused");
            return Verdict.Rejected;
        }

        var context = frame.Role == FrameRole.Reply
            ? frame.RequestContext!.ForResponse()
            : new MessageContext { Endpoint = h.EndpointFor(envelope.Recipient), Peer = envelope.Sender, Direction = WireDirection.Request };
        PipelineVerdict verdict;
        try
        {
            verdict = PipelineHarness.Complete(h.Pipeline.OpenAsync(envelope, context));
        }
        finally
        {
            context.Release();
        }

        var outcome = verdict.Result.Outcome;
        Count(outcome == OpenOutcome.Reject ? $"rejected by {verdict.Layer}: {verdict.Result.Reason}" : outcome.ToString().ToLowerInvariant());
        if (_authenticates && h.ByBytes.TryGetValue(input, out var genuine))
        {
            return Verbatim(h, genuine, verdict);
        }

        return outcome == OpenOutcome.Reject ? Verdict.Rejected : Classify(h, envelope, verdict, context);
    }

    /// <inheritdoc />
    public string? Describe(int seedIndex, byte[] input)
    {
        var frame = Harness.Frames[seedIndex];
        var differing = Enumerable.Range(0, Math.Max(input.Length, frame.Bytes.Length))
            .Where(i => i >= input.Length || i >= frame.Bytes.Length || input[i] != frame.Bytes[i]).Take(40);
        return new StringBuilder()
            .AppendLine($"made from genuine {frame.Role} frame #{seedIndex} ({frame.Sealed.Kind} {frame.Sealed.Sender} -> {frame.Sealed.Recipient}, {(frame.Consumed ? "already accepted" : "not yet accepted")}) of epoch {_epoch - 1}")
            .AppendLine($"genuine: {Convert.ToHexString(frame.Bytes)}")
            .AppendLine($"input:   {Convert.ToHexString(input)}")
            .AppendLine($"bytes differing (first 40 offsets): {string.Join(' ', differing)}")
            .ToString();
    }

    /// <inheritdoc />
    public void Dispose() => _harness?.Dispose();

    /// <summary>A genuine frame as captured: a replay when its receiver accepted it before, else its first delivery.</summary>
    private Verdict Verbatim(PipelineHarness h, Frame genuine, PipelineVerdict verdict)
    {
        var accepted = verdict.Result.Outcome != OpenOutcome.Reject;
        Count(genuine.Consumed ? $"replayed genuine frame {(accepted ? "ACCEPTED" : "refused")}" : $"first delivery of a genuine frame {(accepted ? "accepted" : "refused")}");
        if (!accepted)
        {
            return Verdict.Rejected;
        }

        if (genuine.Consumed)
        {
            return Verdict.Violation($"{Name}/replay-accepted:{genuine.Role}", $"a byte-identical copy of an accepted {genuine.Role} ({genuine.Sealed.Kind}) was accepted again ({verdict.Result.Outcome})");
        }

        h.MarkDelivered(genuine);
        return Verdict.Ok;
    }

    private Verdict Classify(PipelineHarness h, Envelope envelope, PipelineVerdict verdict, MessageContext context)
    {
        if (!_authenticates)
        {
            return Verdict.Ok;
        }

        var respond = verdict.Result.Outcome == OpenOutcome.Respond;
        var opened = verdict.Result.Envelope!;
        var content = respond ? PipelineHarness.HelloContentOf(envelope) : PipelineHarness.ContentOf(opened);
        var what = respond ? $"answered a {envelope.Kind} with {opened.Kind}" : $"accepted a {opened.Kind} {opened.Sender} -> {opened.Recipient}";
        if (h.ByContent.TryGetValue(content, out var known))
        {
            if (known.Delivered)
            {
                return Verdict.Violation($"{Name}/replayed-content:{known.Frame.Role}", $"{what}: the content of an already delivered {known.Frame.Role}, in other bytes ({Differences(known.Frame.Sealed, envelope)})");
            }

            h.MarkDelivered(known.Frame);
            var fields = Differences(known.Frame.Sealed, envelope);
            return Verdict.Malleable($"{Name}/malleable:{known.Frame.Role}:{fields}", $"{what}: a genuine, undelivered {known.Frame.Role} re-encoded ({fields} changed)");
        }

        var authenticated = context.Authenticated ? "authenticated" : "unauthenticated";
        return Verdict.Violation(
            $"{Name}/forgery:{(respond ? "handshake" : context.Direction == WireDirection.Reply ? "reply" : "request")}:{opened.Kind}:{authenticated}",
            $"{what} ({authenticated}, direction {context.Direction}) that no genuine sender sent: {PipelineHarness.ContentOf(opened)}");
    }

    private static string Differences(Envelope genuine, Envelope input)
    {
        var fields = new List<string>();
        void Check(bool same, string name)
        {
            if (!same)
            {
                fields.Add(name);
            }
        }

        Check(genuine.Kind == input.Kind, "kind");
        Check(genuine.Sender == input.Sender, "sender");
        Check(genuine.Recipient == input.Recipient, "recipient");
        Check(genuine.Sequence == input.Sequence, "sequence");
        Check(genuine.TimestampMs == input.TimestampMs, "timestamp");
        Check(genuine.KeyId == input.KeyId, "keyId");
        Check(genuine.Payload.Span.SequenceEqual(input.Payload.Span), "payload");
        Check(genuine.Tag.Span.SequenceEqual(input.Tag.Span), "tag");
        return fields.Count == 0 ? "nothing" : string.Join('+', fields);
    }

    private void Count(string key) => _statistics[key] = _statistics.GetValueOrDefault(key) + 1;

    /// <summary>One input in 32 is a genuine frame as captured, so that replays of accepted frames are tried all the time.</summary>
    private sealed class VerbatimSometimes(IMutator inner) : IMutator
    {
        public byte[] Mutate(byte[] seed, IReadOnlyList<byte[]> corpus, FuzzRandom random) =>
            random.OneIn(32) ? seed.ToArray() : inner.Mutate(seed, corpus, random);
    }
}
