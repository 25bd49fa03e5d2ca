using CsCheck;
using Testbed.Defenses;
using Testbed.Defenses.Identity;
using Testbed.Envelopes;
using Xunit;

namespace Testbed.Tests.Defenses.Sign;

/// <summary>
/// Any single-bit change to a signed envelope's encoding (header fields, payload, key id, tag) either breaks decoding or is
/// rejected by the sign layer; the empty (<c>none</c>) pipeline lets the same tampered envelopes through. The one kind of
/// survivor is a flip that turns the kind into a handshake kind: those belong to the session layer, so sign passes them on
/// without authenticating them (context.Authenticated stays false).
/// </summary>
public sealed class SignTamperPropertyTests
{
    private static readonly string[] Principals = ["customer/1", "customer/2", "payments/0", "account/3"];
    private static readonly EnvelopeKind[] SignedKinds = Enum.GetValues<EnvelopeKind>()
        .Where(k => k is not EnvelopeKind.Handshake and not EnvelopeKind.HandshakeReply).ToArray();

    private static readonly Gen<Envelope> GenRequest = Gen.Select(
        Gen.Int[0, SignedKinds.Length - 1], Gen.Int[0, Principals.Length - 1], Gen.Int[1, Principals.Length - 1],
        Gen.ULong, Gen.Long, Gen.Byte.Array[0, 96], Gen.Bool,
        (kind, from, offset, sequence, timestamp, payload, session) => new Envelope
        {
            Kind = SignedKinds[kind],
            Sender = Principals[from],
            Recipient = Principals[(from + offset) % Principals.Length],
            Sequence = sequence,
            TimestampMs = timestamp,
            KeyId = session ? "s=3f2a9c01.2" : "",
            Payload = payload,
        });

    /// <summary>What the sign pipeline and the empty pipeline make of a tampered frame: null when it does not decode.</summary>
    private static (string Sign, bool NoneContinues)? Judge(SignHarness h, byte[] frame)
    {
        if (!EnvelopeCodec.TryDecode(frame, out var tampered, out _))
        {
            return null;
        }

        var context = h.OpenContext(tampered);
        var verdict = h.ReceiverPipeline.OpenAsync(tampered, context).AsTask().GetAwaiter().GetResult();
        var sign = verdict.Result.Outcome switch
        {
            OpenOutcome.Reject => "rejected",
            OpenOutcome.Continue when context.Authenticated => "accepted",
            OpenOutcome.Continue when tampered.Kind is EnvelopeKind.Handshake or EnvelopeKind.HandshakeReply => "handshake-passed",
            _ => $"unexpected {verdict.Result.Outcome}",
        };

        var none = DefensePipeline.Empty.OpenAsync(tampered, h.OpenContext(tampered)).AsTask().GetAwaiter().GetResult();
        return (sign, none.Result.Outcome == OpenOutcome.Continue && ReferenceEquals(none.Result.Envelope, tampered));
    }

    private static byte[] FlipBit(byte[] frame, int bit)
    {
        var copy = frame.ToArray();
        copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }

    [Theory]
    [InlineData(SignatureAlgorithm.EcdsaP256)]
    [InlineData(SignatureAlgorithm.Ed25519)]
    public void Flipping_any_bit_of_a_signed_envelope_makes_it_undecodable_or_rejected(SignatureAlgorithm algorithm)
    {
        using var h = new SignHarness(algorithm);
        // CsCheck runs Sample's body on several threads at once: the counters are incremented atomically.
        int samples = 0, decodedFlips = 0;
        Gen.Select(GenRequest, Gen.Int[0, int.MaxValue]).Sample((request, pick) =>
        {
            Interlocked.Increment(ref samples);
            var frame = EnvelopeCodec.Encode(h.SealAsync(request).GetAwaiter().GetResult());
            Assert.Equal("accepted", Judge(h, frame)?.Sign);

            var bit = pick % (frame.Length * 8);
            if (Judge(h, FlipBit(frame, bit)) is not { } outcome)
            {
                return;
            }

            Interlocked.Increment(ref decodedFlips);
            Assert.True(outcome.Sign is "rejected" or "handshake-passed", $"bit {bit} of {frame.Length * 8}: {outcome.Sign}");
            Assert.True(outcome.NoneContinues, "the empty pipeline should let the tampered envelope through");
        }, iter: 300);

        Assert.Equal(300, samples);
        Assert.True(decodedFlips > 100, $"only {decodedFlips} of 300 flipped frames decoded; the property was barely exercised");
        Assert.Contains(h.ReceiverEvents.CountsByLayer()["sign"].Keys, r => r == "bad-signature");
    }

    [Theory]
    [InlineData(SignatureAlgorithm.EcdsaP256)]
    [InlineData(SignatureAlgorithm.Ed25519)]
    public async Task Every_single_bit_flip_of_one_envelope_is_caught_and_the_none_pipeline_catches_none(SignatureAlgorithm algorithm)
    {
        using var h = new SignHarness(algorithm);
        var request = SignHarness.Request(keyId: "s=3f2a9c01.2", payload: "order o-7: 25 to account/2"u8.ToArray());
        var frame = EnvelopeCodec.Encode(await h.SealAsync(request));

        var outcomes = Enumerable.Range(0, frame.Length * 8).Select(bit => (Bit: bit, Outcome: Judge(h, FlipBit(frame, bit)))).ToList();
        var decoded = outcomes.Where(o => o.Outcome is not null).ToList();

        Assert.All(decoded, o => Assert.True(o.Outcome!.Value.Sign == "rejected", $"bit {o.Bit}: {o.Outcome.Value.Sign}"));
        Assert.All(decoded, o => Assert.True(o.Outcome!.Value.NoneContinues, $"bit {o.Bit}: none pipeline did not continue"));
        // Every byte region is represented: the flips that still decode include tag, payload, key id and header bits.
        var tagStart = EnvelopeCodec.GetHeaderLength(request with { KeyId = "s=3f2a9c01.2+k=1" }) + 2;
        Assert.Contains(decoded, o => o.Bit / 8 >= tagStart);
        Assert.Contains(decoded, o => o.Bit / 8 < EnvelopeCodec.FixedPrefixLength);
        Assert.True(decoded.Count > frame.Length * 4, $"{decoded.Count} of {frame.Length * 8} flips decoded");
    }
}
