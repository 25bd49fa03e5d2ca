using System.Security.Cryptography;
using CsCheck;
using Testbed.Defenses;
using Testbed.Defenses.Encrypt;
using Testbed.Defenses.Session;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.Session.Fakes;
using Testbed.Wire;
using Xunit;

namespace Testbed.Tests.Defenses.Encrypt;

public sealed class EncryptLayerTests
{
    private const string Canary = "card=4111111111111111;password=hunter2";

    [Theory]
    [InlineData("encrypt", false)]
    [InlineData("encrypt+mac", false)]
    [InlineData("mac", true)]
    public async Task ThePayloadIsVisibleOnTheWireOnlyWithoutEncryption(string stack, bool visible)
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack(stack));
        var bank = h.Add("account/1", SessionHarness.Stack(stack));

        var exchange = await h.SendAsync(alice, bank, Canary);

        Assert.Equal("re:" + Canary, exchange.ReplyText);
        Assert.Equal(visible, TamperChecks.AppearsIn(h.Wire.Frames, Canary));
        Assert.Equal(visible, TamperChecks.AppearsIn(h.Wire.Frames, "hunter2"));
    }

    [Fact]
    public async Task TheCiphertextIsThePayloadPlusA16ByteTagAndDiffersPerMessage()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));

        var first = await h.SendAsync(alice, bank, "same");
        var second = await h.SendAsync(alice, bank, "same");

        Assert.Equal(4 + 16, first.SealedRequest.Payload.Length);
        Assert.False(first.SealedRequest.Payload.Span.SequenceEqual(second.SealedRequest.Payload.Span));
        Assert.Empty(first.SealedRequest.Tag.ToArray());
    }

    [Theory]
    [InlineData("encrypt")]
    [InlineData("encrypt+mac")]
    public Task EveryBitFlipOfASealedEnvelopeIsRefused(string stack) => TamperChecks.AssertEveryBitFlipIsRefusedAsync(stack);

    [Fact]
    public Task RandomBitFlipsOfSealedEnvelopesAreRefused() => TamperChecks.AssertRandomBitFlipsAreRefusedAsync("encrypt");

    [Fact]
    public async Task KeyAndNoncePairsNeverRepeatAcrossMessagesDirectionsAndRekeys()
    {
        var gen = Gen.Select(Gen.Int[1, 6], Gen.Int[1, 30], Gen.Bool, Gen.Bool);
        await gen.SampleAsync(async (rekeyAfter, count, chacha, concurrent) =>
        {
            var h = new SessionHarness();
            h.Wire.YieldOnDelivery = concurrent;
            var options = new SessionOptions { RekeyAfterMessages = rekeyAfter };
            var encryption = new EncryptOptions { Algorithm = chacha ? EncryptAlgorithm.ChaCha20Poly1305 : EncryptAlgorithm.AesGcm };
            var alice = h.Add("customer/1", SessionHarness.Stack("encrypt", options, encryption));
            var bank = h.Add("account/1", SessionHarness.Stack("encrypt", options, encryption));
            var used = new List<(string Key, string Nonce)>();
            var requestKeys = new HashSet<string>();
            bank.OnReplySealed = (reply, context) => used.Add(KeyAndNonce((SessionState)context.Session!, reply.Sequence));

            async Task SendOneAsync(int i)
            {
                var (sealedRequest, context) = await h.SealAsync(alice, bank, $"m{i}");
                var session = (SessionState)context.Session!;
                used.Add(KeyAndNonce(session, sealedRequest.Sequence));
                requestKeys.Add(session.Outbound.KeyFingerprint);
                Assert.Equal($"re:m{i}", (await h.DeliverAsync(alice, sealedRequest, context)).ReplyText);
            }

            if (concurrent)
            {
                await SessionHarness.OnGrainSchedulerAsync(() => Task.WhenAll(Enumerable.Range(0, count).Select(SendOneAsync)));
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    await SendOneAsync(i);
                }
            }

            Assert.Equal(2 * count, used.Count);
            Assert.Equal(used.Count, used.Distinct().Count());
            Assert.Equal(h.Wire.Handshakes, requestKeys.Count);
            Assert.True(requestKeys.Count >= (count + rekeyAfter - 1) / rekeyAfter);
        }, iter: 60, threads: 1);
    }

    [Fact]
    public void NonceClaimsRefuseZeroRepeatsAndAnythingOlderThanTheWindow()
    {
        var keys = new SessionDirection(true, new byte[32], new byte[32], new byte[12]);

        Assert.False(keys.TryClaimNonce(0));
        Assert.True(keys.TryClaimNonce(2));
        Assert.True(keys.TryClaimNonce(1));
        Assert.False(keys.TryClaimNonce(1));
        Assert.False(keys.TryClaimNonce(2));
        Assert.True(keys.TryClaimNonce(100));
        Assert.True(keys.TryClaimNonce(40));   // within 64 of the newest
        Assert.False(keys.TryClaimNonce(36));  // older than the window: counted as used
        Assert.False(keys.TryClaimNonce(100));
        Assert.True(keys.TryClaimNonce(ulong.MaxValue));
        Assert.False(keys.TryClaimNonce(ulong.MaxValue));
    }

    [Fact]
    public async Task ALayerThatRewritesTheSequenceCannotMakeEncryptReuseANonce()
    {
        var h = new SessionHarness();
        var pipeline = SessionHarness.Stack("encrypt").AddLayer("pin-sequence", _ => new PinSequenceLayer()).Build(h.Environment);
        var alice = h.Add("customer/1", pipeline);
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));

        await h.SealAsync(alice, bank, "first");
        var reuse = await Assert.ThrowsAsync<DefenseException>(() => h.SealAsync(alice, bank, "second"));

        Assert.Equal(("encrypt", "nonce-reuse"), (reuse.Layer, reuse.Reason));
    }

    [Fact]
    public async Task MismatchedAlgorithmsFailToDecrypt()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt", encrypt: new EncryptOptions { Algorithm = EncryptAlgorithm.ChaCha20Poly1305 }));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));

        var exchange = await h.SendAsync(alice, bank, "x");

        Assert.Equal(EnvelopeKind.Rejected, exchange.WireReply.Kind);
        Assert.Equal([("encrypt", "decrypt-failed")], h.EventReasons.Take(1));
    }

    [Fact]
    public async Task WithoutASessionItRefusesToSealOrOpenButPassesHandshakes()
    {
        var h = new SessionHarness();
        var layer = new EncryptLayer(null, h.Environment);
        var context = new MessageContext { Endpoint = new DefenseEndpoint("customer/1", h.Environment), Peer = "account/1", Direction = WireDirection.Request };
        var data = new Envelope { Kind = EnvelopeKind.Order, Sender = "customer/1", Recipient = "account/1", Sequence = 1, Payload = new byte[20] };
        var hello = data with { Kind = EnvelopeKind.Handshake };

        var refused = await Assert.ThrowsAsync<DefenseException>(() => layer.SealAsync(data, context).AsTask());
        var opened = await layer.OpenAsync(data, context);

        Assert.Equal("no-session", refused.Reason);
        Assert.Equal(OpenResult.Reject("no-session"), opened);
        Assert.Same(hello, await layer.SealAsync(hello, context));
        Assert.Equal(OpenOutcome.Continue, (await layer.OpenAsync(hello, context)).Outcome);
        Assert.Equal(DefenseStage.Protection, layer.Stage);
    }

    [Fact]
    public async Task TheAssociatedDataIsTheHeaderWithAnEmptyPayload()
    {
        var h = new SessionHarness();
        var alice = h.Add("customer/1", SessionHarness.Stack("encrypt"));
        var bank = h.Add("account/1", SessionHarness.Stack("encrypt"));
        var exchange = await h.SendAsync(alice, bank, "check");
        var sealedRequest = exchange.SealedRequest;
        var keys = exchange.Session.Outbound;
        var nonce = new byte[12];
        keys.WriteNonce(sealedRequest.Sequence, nonce);
        var plaintext = new byte[sealedRequest.Payload.Length - 16];

        using var aes = new AesGcm(keys.EncryptionKey, 16);
        aes.Decrypt(nonce, sealedRequest.Payload.Span[..^16], sealedRequest.Payload.Span[^16..], plaintext,
            EnvelopeCodec.EncodeHeader(sealedRequest with { Payload = ReadOnlyMemory<byte>.Empty }));

        Assert.Equal("check"u8.ToArray(), plaintext);
    }

    [Fact]
    public void OptionsParseTheAlgorithmAndRejectAnythingElse()
    {
        Assert.Equal(EncryptAlgorithm.AesGcm, EncryptOptions.FromSettings(new Dictionary<string, string>()).Algorithm);
        Assert.Equal(EncryptAlgorithm.ChaCha20Poly1305, EncryptOptions.FromSettings(new Dictionary<string, string> { ["algorithm"] = "chacha20-poly1305" }).Algorithm);
        Assert.Equal(EncryptAlgorithm.AesGcm, EncryptOptions.FromSettings(new Dictionary<string, string> { ["algorithm"] = "aes-gcm" }).Algorithm);
        var bad = Assert.Throws<ArgumentException>(() => EncryptOptions.FromSettings(new Dictionary<string, string> { ["algorithm"] = "des" }));
        Assert.Contains("'algorithm'", bad.Message);
        Assert.Contains("aes-gcm, chacha20-poly1305", bad.Message);
        var unknown = Assert.Throws<ArgumentException>(() => EncryptOptions.FromSettings(new Dictionary<string, string> { ["cipher"] = "aes-gcm" }));
        Assert.Contains("'cipher'", unknown.Message);
    }

    [Fact]
    public void EncryptNeedsASession()
    {
        var builder = new DefensePipelineBuilder().AddEncrypt();

        var error = Assert.Throws<ArgumentException>(builder.Validate);

        Assert.Contains("'session'", error.Message);
    }

    private static (string, string) KeyAndNonce(SessionState session, ulong sequence)
    {
        var nonce = new byte[12];
        session.Outbound.WriteNonce(sequence, nonce);
        return (session.Outbound.KeyFingerprint, Convert.ToHexString(nonce));
    }

    /// <summary>A misbehaving freshness layer that stamps every envelope with sequence 1.</summary>
    private sealed class PinSequenceLayer : IDefenseLayer
    {
        public string Name => "pin-sequence";

        public DefenseStage Stage => DefenseStage.Freshness;

        public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(envelope with { Sequence = 1 });

        public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(OpenResult.Continue(envelope));
    }
}
