using System.Text;
using CsCheck;
using Testbed.Defenses;
using Testbed.Envelopes;
using Xunit;

namespace Testbed.Tests.Defenses.Session.Fakes;

/// <summary>Shared tamper properties for the session-keyed protections (encrypt, mac).</summary>
internal static class TamperChecks
{
    /// <summary>
    /// Flips one bit of a sealed request or reply frame and opens the result where it was headed: it must fail strict
    /// decoding or be refused by the pipeline. Returns how many flips decoded and were refused (so a caller can check
    /// the pipeline, not just the codec, did the work).
    /// </summary>
    public static async Task<int> FlipAndOpenAsync(SessionHarness h, LoopbackNode alice, LoopbackNode bank, Exchange exchange, bool reply, int bit)
    {
        var frame = EnvelopeCodec.Encode(reply ? exchange.WireReply : exchange.SealedRequest);
        bit %= frame.Length * 8;
        frame[bit / 8] ^= (byte)(1 << (bit % 8));
        if (!EnvelopeCodec.TryDecode(frame, out var tampered, out _))
        {
            return 0;
        }

        var verdict = reply
            ? await alice.Pipeline.OpenAsync(tampered, exchange.Context.ForResponse())
            : await SessionHarness.OpenRequestAsync(bank, tampered);
        Assert.True(verdict.Result.Outcome != OpenOutcome.Continue, $"flipping bit {bit} of the {(reply ? "reply" : "request")} was accepted");
        return 1;
    }

    /// <summary>Every single-bit flip of one request and its reply is refused (exhaustive).</summary>
    public static async Task AssertEveryBitFlipIsRefusedAsync(string stack)
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack(stack));
        var bank = h.Add("account/1", SessionHarness.Stack(stack));
        var exchange = await h.SendAsync(alice, bank, "transfer 100 to account/2");
        Assert.Equal("re:transfer 100 to account/2", exchange.ReplyText);

        var refused = 0;
        foreach (var reply in new[] { false, true })
        {
            var bits = EnvelopeCodec.GetEncodedLength(reply ? exchange.WireReply : exchange.SealedRequest) * 8;
            for (var bit = 0; bit < bits; bit++)
            {
                refused += await FlipAndOpenAsync(h, alice, bank, exchange, reply, bit);
            }
        }

        Assert.True(refused > 500, $"only {refused} flips reached the pipeline");
    }

    /// <summary>CsCheck: for random payloads, flipping any one bit of the sealed request or reply is refused.</summary>
    public static async Task AssertRandomBitFlipsAreRefusedAsync(string stack)
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack(stack));
        var bank = h.Add("account/1", SessionHarness.Stack(stack));
        var gen = Gen.Select(Gen.Char['a', 'z'].Array[0, 200].Select(c => new string(c)), Gen.Bool, Gen.Int[0, int.MaxValue]);

        // One thread (the harness is one conversation): the counters need no synchronisation, and are checked after.
        int samples = 0, refused = 0;
        await gen.SampleAsync(async (text, reply, bit) =>
        {
            samples++;
            var exchange = await h.SendAsync(alice, bank, text);
            Assert.Equal("re:" + text, exchange.ReplyText);
            refused += await FlipAndOpenAsync(h, alice, bank, exchange, reply, bit);
        }, iter: 300, threads: 1);

        Assert.Equal(300, samples);
        Assert.True(refused > 100, $"only {refused} of 300 flipped frames reached the pipeline; the property was barely exercised");
    }

    /// <summary>True when the UTF-8 bytes of <paramref name="text"/> occur in any of <paramref name="frames"/>.</summary>
    public static bool AppearsIn(IEnumerable<byte[]> frames, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        return frames.Any(f => f.AsSpan().IndexOf(needle) >= 0);
    }
}
