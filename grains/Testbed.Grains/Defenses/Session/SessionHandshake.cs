using System.Security.Cryptography;
using System.Text;
using Testbed.Defenses.Identity;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Defenses.Session;

/// <summary>
/// Both halves of the session handshake (signed ephemeral Diffie-Hellman, SIGMA style, one round trip — or, in the weak
/// <see cref="SessionKeyAgreement.Static"/> mode, the same messages carrying both long-term static keys):
/// the initiator sends a signed hello and checks the responder's signature over the transcript as it sent it;
/// the responder checks the hello, negotiates the protections, and signs the whole transcript.
/// See docs/session-handshake.md.
/// </summary>
internal sealed class SessionHandshake(SessionPolicy policy, DefenseEnvironment environment)
{
    private const string Layer = SessionLayer.LayerName;

    /// <summary>
    /// Runs a handshake with <paramref name="peer"/> over the wire and installs the new session. Throws
    /// <see cref="DefenseException"/> when the peer refuses or the answer does not verify (recorded as a security event).
    /// </summary>
    public async Task<SessionState> InitiateAsync(DefenseEndpoint endpoint, string peer, SessionTable.PeerSessions sessions)
    {
        var me = endpoint.Principal;
        var signingKey = await environment.Keys.GetSigningKeyAsync(me);
        var agreement = policy.Options.KeyAgreement;
        var sentAt = environment.Time.GetUtcNow().ToUnixTimeMilliseconds();
        using var ephemeral = EphemeralKey.Create(agreement, signingKey);
        var signedPart = HandshakeCodec.WriteHelloSignedPart(
            agreement, ephemeral.PublicKey, RandomNumberGenerator.GetBytes(HandshakeCodec.RandomLength), sentAt, me, peer,
            policy.Offer, policy.Require, signingKey.Version);
        var hello = HandshakeCodec.AppendSignature(signedPart, Sign(signingKey, SessionKeySchedule.InitiatorSignedData(signedPart)));

        Envelope answer;
        try
        {
            answer = await environment.Wire.SendAsync(new Envelope
            {
                Kind = EnvelopeKind.Handshake, Sender = me, Recipient = peer, TimestampMs = sentAt, Payload = hello,
            });
        }
        catch (Exception ex) when (ex is EnvelopeLostException or MalformedReplyException)
        {
            throw new DefenseException(Layer, "handshake-lost", $"handshake with {peer} failed on the wire: {ex.Message}");
        }

        if (answer.Kind == EnvelopeKind.Rejected)
        {
            throw new DefenseException(Layer, "handshake-refused", $"{peer} refused the handshake: {Encoding.UTF8.GetString(answer.Payload.Span)}");
        }

        if (answer.Kind != EnvelopeKind.HandshakeReply || answer.Sender != peer || answer.Recipient != me
            || !HandshakeCodec.TryReadReply(answer.Payload, out var reply) || reply.Agreement != agreement)
        {
            throw Refuse(endpoint, peer, "bad-handshake", "the handshake reply is malformed or not addressed to this exchange");
        }

        var verifier = await environment.Trust.GetVerifierAsync(peer, reply.KeyVersion);
        if (verifier is null || verifier.Principal != peer)
        {
            throw Refuse(endpoint, peer, "untrusted-peer", $"no valid certificate for {peer} key version {reply.KeyVersion}");
        }

        var transcript = SessionKeySchedule.TranscriptHash(hello, reply.SignedPart);
        if (!verifier.Verify(SessionKeySchedule.ResponderSignedData(transcript), reply.Signature))
        {
            throw Refuse(endpoint, peer, "bad-transcript", "the responder's signature does not cover the handshake as sent (tampered in flight?)");
        }

        if (!policy.Offer.IsSupersetOf(reply.Chosen) || !reply.Chosen.IsSupersetOf(policy.Require))
        {
            throw Refuse(endpoint, peer, "downgrade", $"the responder chose {reply.Chosen}; offered {policy.Offer}, required {policy.Require}");
        }

        var session = Derive(ephemeral, reply.Ephemeral, transcript, peer, isInitiator: true, sessions.NextEpoch(asInitiator: true), agreement, reply.Chosen)
            ?? throw Refuse(endpoint, peer, "bad-handshake", "the responder's ephemeral key is not a valid public key");
        sessions.Add(session.MadeWith(signingKey.Version, reply.KeyVersion));
        return session;
    }

    /// <summary>Answers a hello: a <see cref="EnvelopeKind.HandshakeReply"/> and a new session, or a rejection.</summary>
    public async ValueTask<OpenResult> RespondAsync(Envelope envelope, MessageContext context)
    {
        var me = context.Endpoint.Principal;
        if (context.Direction != WireDirection.Request || envelope.Recipient != me
            || !HandshakeCodec.TryReadHello(envelope.Payload, out var hello)
            || hello.Initiator != envelope.Sender || hello.Responder != me)
        {
            return OpenResult.Reject("bad-handshake");
        }

        var now = environment.Time.GetUtcNow();
        var windowMs = (long)policy.Options.HandshakeWindow.TotalMilliseconds;
        var nowMs = now.ToUnixTimeMilliseconds();
        if (hello.TimestampMs < nowMs - windowMs || hello.TimestampMs > nowMs + windowMs)
        {
            return OpenResult.Reject("stale-handshake");
        }

        var table = SessionTable.Of(context.Endpoint);
        var random = Convert.ToHexString(hello.Random);
        if (!table.IsFreshRandom(random, now))
        {
            return OpenResult.Reject("replayed-handshake");
        }

        var verifier = await environment.Trust.GetVerifierAsync(hello.Initiator, hello.KeyVersion);
        if (verifier is null || verifier.Principal != hello.Initiator)
        {
            return OpenResult.Reject("untrusted-peer");
        }

        if (!verifier.Verify(SessionKeySchedule.InitiatorSignedData(hello.SignedPart), hello.Signature))
        {
            return OpenResult.Reject("bad-transcript");
        }

        var chosen = hello.Offered.Intersect(policy.Offer);
        if (!chosen.IsSupersetOf(hello.Required) || !chosen.IsSupersetOf(policy.Require)
            || (hello.Agreement == SessionKeyAgreement.Static && policy.Options.KeyAgreement != SessionKeyAgreement.Static))
        {
            return OpenResult.Reject("downgrade"); // a static session would give up this responder's forward secrecy
        }

        var signingKey = await environment.Keys.GetSigningKeyAsync(me);
        if (!table.IsFreshRandom(random, now))
        {
            return OpenResult.Reject("replayed-handshake"); // the same hello was accepted while this one awaited
        }

        using var ephemeral = EphemeralKey.Create(hello.Agreement, signingKey);
        var signedPart = HandshakeCodec.WriteReplySignedPart(
            hello.Agreement, ephemeral.PublicKey, RandomNumberGenerator.GetBytes(HandshakeCodec.RandomLength), chosen, signingKey.Version);
        var transcript = SessionKeySchedule.TranscriptHash(hello.Encoded, signedPart);
        var sessions = table.Peer(hello.Initiator);
        var session = Derive(ephemeral, hello.Ephemeral, transcript, hello.Initiator, isInitiator: false, sessions.NextEpoch(asInitiator: false), hello.Agreement, chosen);
        if (session is null)
        {
            return OpenResult.Reject("bad-handshake");
        }

        var reply = HandshakeCodec.AppendSignature(signedPart, Sign(signingKey, SessionKeySchedule.ResponderSignedData(transcript)));
        table.RememberRandom(random, now, DateTimeOffset.FromUnixTimeMilliseconds(hello.TimestampMs) + policy.Options.HandshakeWindow + TimeSpan.FromMilliseconds(1));
        sessions.Add(session.MadeWith(signingKey.Version, hello.KeyVersion));
        return OpenResult.Respond(new Envelope
        {
            Kind = EnvelopeKind.HandshakeReply, Sender = me, Recipient = hello.Initiator, TimestampMs = nowMs, Payload = reply,
        });
    }

    /// <summary>
    /// Agrees, derives the session, then destroys the ephemeral private key (a static key is left alone) and the shared
    /// secret; null for a bad peer key.
    /// </summary>
    private SessionState? Derive(
        EphemeralKey ephemeral, byte[] peerPublic, byte[] transcript, string peer, bool isInitiator, int epoch,
        SessionKeyAgreement agreement, ProtectionSet chosen)
    {
        Span<byte> secret = stackalloc byte[EphemeralKey.MaxSharedSecretLength];
        try
        {
            var length = ephemeral.Agree(peerPublic, secret);
            ephemeral.Dispose();
            return length <= 0
                ? null
                : SessionKeySchedule.Derive(secret[..length], transcript, peer, isInitiator, epoch, environment.Time.GetUtcNow(), agreement, chosen);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static byte[] Sign(ISigningKey key, byte[] data)
    {
        var signature = new byte[key.SignatureSize];
        key.Sign(data, signature);
        return signature;
    }

    /// <summary>Records an initiator-side verification failure and returns the exception that refuses the send.</summary>
    private DefenseException Refuse(DefenseEndpoint endpoint, string peer, string reason, string message)
    {
        environment.Events.Record(new SecurityEvent(environment.Time.GetUtcNow(), Layer, reason, peer, endpoint.Principal, EnvelopeKind.HandshakeReply));
        return new DefenseException(Layer, reason, $"handshake with {peer}: {message}");
    }
}
