using System.Text;
using Testbed.Attacks.Api;
using Testbed.Defenses.Encrypt;
using Testbed.Defenses.Session;
using Testbed.Envelopes;
using Testbed.Tests.Defenses.Session.Fakes;
using Xunit;

namespace Testbed.Tests.Attacks;

/// <summary>
/// Forward secrecy by contrast: the same recorded traffic, the same long-term key handed over afterwards, the same
/// derivation (<see cref="RecordedSessions"/>, as the <c>key-compromise</c> attack runs it). Under
/// <c>keyAgreement: static</c> it opens every recorded envelope; under ephemeral agreement it opens none.
/// </summary>
public sealed class ForwardSecrecyContrastTests
{
    private const int Exchanges = 5;

    private static string Request(int i) => $"{{\"pay\":{i}}}";

    private static string Reply(string request) => $"{{\"re\":{request}}}";

    /// <summary>Runs <see cref="Exchanges"/> request/reply exchanges customer/1 → account/1 and records every frame, as a tap sees them.</summary>
    private static async Task<(SessionHarness Harness, RecordedSessions Recorded)> RecordAsync(
        SessionKeyAgreement agreement, string stack = "encrypt", EncryptAlgorithm algorithm = EncryptAlgorithm.AesGcm)
    {
        var h = new SessionHarness();
        var options = new SessionOptions { KeyAgreement = agreement };
        var encrypt = new EncryptOptions { Algorithm = algorithm };
        var alice = h.Add("customer/1", SessionHarness.Stack(stack, options, encrypt));
        var bank = h.Add("account/1", SessionHarness.Stack(stack, options, encrypt));
        bank.Handler = request => new Envelope // JSON both ways, as the services' messages are
        {
            Kind = (EnvelopeKind)((ushort)request.Kind + 1), Sender = request.Recipient, Recipient = request.Sender,
            TimestampMs = request.TimestampMs, Payload = Encoding.UTF8.GetBytes(Reply(Encoding.UTF8.GetString(request.Payload.Span))),
        };
        for (var i = 0; i < Exchanges; i++)
        {
            Assert.Equal(Reply(Request(i)), (await h.SendAsync(alice, bank, Request(i))).ReplyText);
        }

        var recorded = new RecordedSessions();
        foreach (var frame in h.Wire.Frames)
        {
            Assert.True(EnvelopeCodec.TryDecode(frame, out var envelope, out _));
            recorded.Record(envelope);
        }

        return (h, recorded);
    }

    [Theory]
    [InlineData(EncryptAlgorithm.AesGcm)]
    [InlineData(EncryptAlgorithm.ChaCha20Poly1305)]
    public async Task The_handed_key_decrypts_every_recorded_static_session_envelope_and_no_ephemeral_one(EncryptAlgorithm algorithm)
    {
        var (staticRun, staticRecorded) = await RecordAsync(SessionKeyAgreement.Static, algorithm: algorithm);
        var (ephemeralRun, ephemeralRecorded) = await RecordAsync(SessionKeyAgreement.P256, algorithm: algorithm);

        var weak = await staticRecorded.ReadWithAsync(staticRun.Keys.Key("customer/1"));
        var strong = await ephemeralRecorded.ReadWithAsync(ephemeralRun.Keys.Key("customer/1"));

        // The same traffic was recorded in both: one handshake (hello, reply), then every request and reply sealed.
        foreach (var reading in new[] { weak, strong })
        {
            Assert.Equal(2 + (2 * Exchanges), reading.Recorded);
            Assert.Equal((0, 1, 1, 2 * Exchanges), (reading.InClear, reading.Sessions, reading.SessionsTried, reading.Sealed));
        }

        Assert.Equal((1, 2 * Exchanges, 0), (weak.SessionsOpened, weak.Decrypted.Count, weak.Unread));
        var texts = weak.Decrypted.Select(e => Encoding.UTF8.GetString(e.Payload.Span)).ToArray();
        Assert.Equal(Enumerable.Range(0, Exchanges).SelectMany(i => new[] { Request(i), Reply(Request(i)) }), texts);

        Assert.Equal((0, 0, 2 * Exchanges), (strong.SessionsOpened, strong.Decrypted.Count, strong.Unread)); // forward secrecy
    }

    [Fact]
    public async Task The_responders_key_opens_a_static_session_too_and_a_stranger_key_opens_nothing()
    {
        var (h, recorded) = await RecordAsync(SessionKeyAgreement.Static);

        var responder = await recorded.ReadWithAsync(h.Keys.Key("account/1"));
        var stranger = await recorded.ReadWithAsync(h.Keys.Key("customer/2"));

        Assert.Equal(2 * Exchanges, responder.Decrypted.Count); // static-static: either side's long-term key suffices
        Assert.Equal((0, 0, 2 * Exchanges), (stranger.SessionsTried, stranger.Decrypted.Count, stranger.Unread));
    }

    [Fact]
    public async Task Mac_only_sessions_were_readable_in_clear_all_along()
    {
        var (h, recorded) = await RecordAsync(SessionKeyAgreement.P256, stack: "mac");

        var reading = await recorded.ReadWithAsync(h.Keys.Key("customer/1"));

        Assert.Equal((2 * Exchanges, 0, 0, 2 * Exchanges), (reading.InClear, reading.Sealed, reading.Decrypted.Count, reading.Readable));
    }
}
