using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Testbed.Defenses.Session;

/// <summary>
/// A session handshake as an observer of the wire recorded it: a hello and the reply that answered it
/// (docs/session-handshake.md). All of it is public; what it lacks is the shared secret. Given that secret — what one
/// side's private key agrees with the other side's public key — <see cref="Derive"/> runs the protocol's public key
/// schedule (transcript hash, HKDF-SHA256 with its labels) exactly as the endpoints do and returns the session as either
/// endpoint holds it. This is how an adversary handed a long-term key reads recorded <c>keyAgreement: static</c> sessions,
/// and why it reads nothing of ephemeral ones: their private keys were destroyed, and no long-term key agrees to the secret.
/// </summary>
public sealed class RecordedHandshake
{
    private readonly byte[] _hello;
    private readonly byte[] _replySignedPart;

    private RecordedHandshake(HandshakeHello hello, HandshakeReply reply)
    {
        _hello = hello.Encoded;
        _replySignedPart = reply.SignedPart.ToArray();
        (Initiator, Responder, Agreement, Chosen) = (hello.Initiator, hello.Responder, hello.Agreement, reply.Chosen);
        (InitiatorPublicKey, ResponderPublicKey) = (hello.Ephemeral, reply.Ephemeral);
    }

    /// <summary>The principal that sent the hello (and sends requests on the session).</summary>
    public string Initiator { get; }

    /// <summary>The principal that answered it.</summary>
    public string Responder { get; }

    /// <summary>The key agreement both messages name.</summary>
    public SessionKeyAgreement Agreement { get; }

    /// <summary>The protections the responder chose.</summary>
    public ProtectionSet Chosen { get; }

    /// <summary>The initiator's key-agreement public key as the hello carries it (ephemeral, or static in the weak mode).</summary>
    public ReadOnlyMemory<byte> InitiatorPublicKey { get; }

    /// <summary>The responder's key-agreement public key as the reply carries it.</summary>
    public ReadOnlyMemory<byte> ResponderPublicKey { get; }

    /// <summary>
    /// Parses a recorded hello payload and reply payload with the strict codec; false when either is not a canonical v1
    /// message, or the reply names another key agreement. Signatures are not checked
    /// (an observer may not hold the certificates; a forged pair just derives keys that open nothing).
    /// </summary>
    public static bool TryRead(ReadOnlyMemory<byte> hello, ReadOnlyMemory<byte> reply, [NotNullWhen(true)] out RecordedHandshake? handshake)
    {
        handshake = null;
        if (!HandshakeCodec.TryReadHello(hello, out var h) || !HandshakeCodec.TryReadReply(reply, out var r) || r.Agreement != h.Agreement)
        {
            return false;
        }

        handshake = new RecordedHandshake(h, r);
        return true;
    }

    /// <summary>
    /// The session this handshake made, as the initiator (<paramref name="asInitiator"/>: it opens replies) or the
    /// responder (it opens requests) holds it, derived from <paramref name="sharedSecret"/> (which the caller zeroes) with
    /// the transcript hash of the recorded messages. Wrong secret, wrong keys: nothing fails here, the AEAD does later.
    /// </summary>
    public SessionState Derive(ReadOnlySpan<byte> sharedSecret, bool asInitiator, DateTimeOffset created)
    {
        var transcript = SessionKeySchedule.TranscriptHash(_hello, _replySignedPart);
        try
        {
            return SessionKeySchedule.Derive(sharedSecret, transcript, asInitiator ? Responder : Initiator, asInitiator, epoch: 0, created, Agreement, Chosen);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(transcript);
        }
    }
}
