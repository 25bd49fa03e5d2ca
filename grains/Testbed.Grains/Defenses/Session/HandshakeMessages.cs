namespace Testbed.Defenses.Session;

/// <summary>
/// The initiator's handshake offer (payload of an <c>Handshake</c> envelope). <see cref="Encoded"/> is the exact byte
/// string received or sent; <see cref="SignedLength"/> bytes of it are covered by <see cref="Signature"/>.
/// Format: docs/session-handshake.md.
/// </summary>
internal sealed record HandshakeHello(
    SessionKeyAgreement Agreement,
    byte[] Ephemeral,
    byte[] Random,
    long TimestampMs,
    string Initiator,
    string Responder,
    ProtectionSet Offered,
    ProtectionSet Required,
    int KeyVersion,
    byte[] Signature,
    byte[] Encoded,
    int SignedLength)
{
    /// <summary>The bytes the initiator's signature covers (everything before the signature length).</summary>
    public ReadOnlySpan<byte> SignedPart => Encoded.AsSpan(0, SignedLength);
}

/// <summary>
/// The responder's answer (payload of a <c>HandshakeReply</c> envelope). <see cref="SignedLength"/> bytes of
/// <see cref="Encoded"/> enter the transcript the responder signs. Format: docs/session-handshake.md.
/// </summary>
internal sealed record HandshakeReply(
    SessionKeyAgreement Agreement,
    byte[] Ephemeral,
    byte[] Random,
    ProtectionSet Chosen,
    int KeyVersion,
    byte[] Signature,
    byte[] Encoded,
    int SignedLength)
{
    /// <summary>The reply bytes that enter the transcript (everything before the signature length).</summary>
    public ReadOnlySpan<byte> SignedPart => Encoded.AsSpan(0, SignedLength);
}
