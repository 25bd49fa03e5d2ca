using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Testbed.Defenses.Session;

/// <summary>
/// Turns a handshake into session keys: the transcript hash, and HKDF-SHA256 (extract with the transcript hash as
/// salt, expand with a fixed label) from the raw ECDH / X25519 shared secret to per-direction keys and the session id.
/// </summary>
internal static class SessionKeySchedule
{
    /// <summary>Bytes of the AEAD key per direction.</summary>
    public const int EncryptionKeyLength = 32;

    /// <summary>Bytes of the HMAC key per direction.</summary>
    public const int MacKeyLength = 32;

    /// <summary>Bytes of the nonce mask per direction.</summary>
    public const int IvLength = 12;

    private const int DirectionLength = EncryptionKeyLength + MacKeyLength + IvLength;
    private const int OutputLength = 2 * DirectionLength + 8;

    private static ReadOnlySpan<byte> TranscriptLabel => "testbed-session/1 transcript\0"u8;

    private static ReadOnlySpan<byte> KeysLabel => "testbed-session/1 keys"u8;

    /// <summary>
    /// SHA-256 of the label, the length-prefixed hello exactly as sent (or received), and the reply up to its signature.
    /// The responder signs this; the initiator recomputes it from the hello it sent.
    /// </summary>
    public static byte[] TranscriptHash(ReadOnlySpan<byte> hello, ReadOnlySpan<byte> replySignedPart)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        hash.AppendData(TranscriptLabel);
        BinaryPrimitives.WriteInt32BigEndian(length, hello.Length);
        hash.AppendData(length);
        hash.AppendData(hello);
        BinaryPrimitives.WriteInt32BigEndian(length, replySignedPart.Length);
        hash.AppendData(length);
        hash.AppendData(replySignedPart);
        return hash.GetHashAndReset();
    }

    /// <summary>The data a responder signs: its label followed by the transcript hash.</summary>
    public static byte[] ResponderSignedData(ReadOnlySpan<byte> transcriptHash) => [.. HandshakeCodec.ResponderLabel, .. transcriptHash];

    /// <summary>The data an initiator signs: its label followed by the hello up to the signature.</summary>
    public static byte[] InitiatorSignedData(ReadOnlySpan<byte> helloSignedPart) => [.. HandshakeCodec.InitiatorLabel, .. helloSignedPart];

    /// <summary>
    /// Derives the session from the shared secret (which the caller then zeroes) and the transcript hash, and returns the
    /// state for this endpoint's role.
    /// </summary>
    public static SessionState Derive(
        ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> transcriptHash, string peer, bool isInitiator, int epoch,
        DateTimeOffset created, SessionKeyAgreement agreement, ProtectionSet chosen)
    {
        Span<byte> okm = stackalloc byte[OutputLength];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, okm, transcriptHash, KeysLabel);
            var initiatorToResponder = Direction(okm[..DirectionLength], initiatorToResponder: true);
            var responderToInitiator = Direction(okm.Slice(DirectionLength, DirectionLength), initiatorToResponder: false);
            var id = BinaryPrimitives.ReadUInt64BigEndian(okm[(2 * DirectionLength)..]);
            return new SessionState(
                id, peer, isInitiator, epoch, created, agreement, chosen,
                outbound: isInitiator ? initiatorToResponder : responderToInitiator,
                inbound: isInitiator ? responderToInitiator : initiatorToResponder);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(okm);
        }
    }

    private static SessionDirection Direction(ReadOnlySpan<byte> material, bool initiatorToResponder) => new(
        initiatorToResponder,
        material[..EncryptionKeyLength].ToArray(),
        material.Slice(EncryptionKeyLength, MacKeyLength).ToArray(),
        material.Slice(EncryptionKeyLength + MacKeyLength, IvLength).ToArray());
}
