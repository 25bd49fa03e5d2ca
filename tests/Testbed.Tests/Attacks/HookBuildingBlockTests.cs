using Testbed.Attacks.Hooks;
using Testbed.Envelopes;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Attacks;

public sealed class HookBuildingBlockTests
{
    private static WireMessage Message(byte[] frame) =>
        new(WireDirection.Request, frame, EnvelopeCodec.TryDecode(frame, out var e, out _) ? e : null, "account/1", "silo-0", injected: false, timestampTicks: 1);

    private static byte[] Frame(ulong sequence) => EnvelopeCodec.Encode(new Envelope
    {
        Kind = EnvelopeKind.Debit, Sender = "payments/0", Recipient = "account/1", Sequence = sequence,
    });

    [Fact]
    public void Recorder_keeps_private_copies_up_to_its_capacity_and_counts_the_rest()
    {
        var recorder = new EnvelopeRecorder(capacity: 3);
        var frames = Enumerable.Range(0, 5).Select(i => Frame((ulong)i)).ToArray();
        foreach (var frame in frames)
        {
            recorder.Observe(Message(frame));
        }

        frames[0][^1] ^= 0xFF; // the wire's buffer changes later; the recording must not
        Assert.Equal(3, recorder.Seen.Count);
        Assert.Equal(2, recorder.Overflow);
        Assert.Equal([0UL, 1UL, 2UL], recorder.Seen.Select(s => s.Envelope!.Sequence));
        Assert.True(EnvelopeCodec.TryDecode(recorder.Seen.First().Frame, out _, out _));
    }

    [Fact]
    public async Task Rule_interceptor_counts_what_it_did_not_pass()
    {
        var rule = new RuleInterceptor(m => m.Envelope!.Sequence % 2 == 0 ? InterceptDecision.Drop : InterceptDecision.Pass);
        var decisions = new List<InterceptAction>();
        for (ulong i = 0; i < 6; i++)
        {
            decisions.Add((await rule.InterceptAsync(Message(Frame(i)), CancellationToken.None)).Action);
        }

        Assert.Equal(3, rule.Matched);
        Assert.Equal(3, decisions.Count(d => d == InterceptAction.Drop));
    }
}
