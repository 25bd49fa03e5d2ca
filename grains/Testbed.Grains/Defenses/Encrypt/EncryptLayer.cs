using System.Security.Cryptography;
using Testbed.Defenses.Session;
using Testbed.Envelopes;

namespace Testbed.Defenses.Encrypt;

/// <summary>
/// The <c>encrypt</c> defense: AEAD of the payload with the session's per-direction key (AES-256-GCM by default,
/// ChaCha20-Poly1305 selectable). The associated data is the envelope header with an empty payload (every header field,
/// including key id and sequence); the nonce is the direction's nonce mask XOR the sequence number, which the session
/// layer assigns and which may never be used twice under a key. The payload becomes ciphertext ‖ 16-byte tag.
/// Handshake envelopes pass through. Applies only to sessions that negotiated "encrypt".
/// </summary>
/// <remarks>Rejections: <c>decrypt-failed</c>, <c>no-session</c>. Seal failures: <c>no-session</c>, <c>nonce-reuse</c>.</remarks>
public sealed class EncryptLayer : IDefenseLayer
{
    /// <summary>The defense name.</summary>
    public const string LayerName = "encrypt";

    /// <summary>Largest header without payload: fixed prefix, in-reply-to, three 64-byte ids with their lengths, payload length.</summary>
    private const int MaxAssociatedDataLength = EnvelopeCodec.FixedPrefixLength + EnvelopeCodec.ReplyToLength + 3 * (1 + PrincipalId.MaxLength) + 4;

    private readonly EncryptAlgorithm _algorithm;

    /// <summary>Creates the layer for one silo.</summary>
    public EncryptLayer(EncryptOptions? options, DefenseEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _algorithm = (options ?? new EncryptOptions()).Algorithm;
        if (_algorithm == EncryptAlgorithm.ChaCha20Poly1305 && !ChaCha20Poly1305.IsSupported)
        {
            throw new PlatformNotSupportedException("encrypt: chacha20-poly1305 is not supported on this platform; use aes-gcm");
        }
    }

    /// <inheritdoc />
    public string Name => LayerName;

    /// <inheritdoc />
    public DefenseStage Stage => DefenseStage.Protection;

    /// <summary>The AEAD in use.</summary>
    public EncryptAlgorithm Algorithm => _algorithm;

    /// <inheritdoc />
    public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context)
    {
        if (IsHandshake(envelope))
        {
            return ValueTask.FromResult(envelope);
        }

        if (context.Session is not SessionState { IsRetired: false } session)
        {
            throw new DefenseException(LayerName, "no-session", $"no live session to encrypt {envelope.Kind} to {context.Peer} under");
        }

        if (!session.Chosen.Contains(LayerName))
        {
            return ValueTask.FromResult(envelope);
        }

        var keys = session.Outbound;
        if (!keys.TryClaimNonce(envelope.Sequence))
        {
            throw new DefenseException(LayerName, "nonce-reuse", $"sequence {envelope.Sequence} was already used under this key");
        }

        Span<byte> nonce = stackalloc byte[AeadCipher.NonceLength];
        keys.WriteNonce(envelope.Sequence, nonce);
        Span<byte> associated = stackalloc byte[MaxAssociatedDataLength];
        associated = associated[..WriteAssociatedData(envelope, associated)];
        var plaintext = envelope.Payload.Span;
        var output = new byte[plaintext.Length + AeadCipher.TagLength];
        Cipher(keys).Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), associated);
        return ValueTask.FromResult(envelope with { Payload = output });
    }

    /// <inheritdoc />
    public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(Open(envelope, context));

    private OpenResult Open(Envelope envelope, MessageContext context)
    {
        if (IsHandshake(envelope))
        {
            return OpenResult.Continue(envelope);
        }

        if (context.Session is not SessionState { IsRetired: false } session)
        {
            return OpenResult.Reject("no-session");
        }

        if (!session.Chosen.Contains(LayerName))
        {
            return OpenResult.Continue(envelope);
        }

        var sealedPayload = envelope.Payload.Span;
        if (sealedPayload.Length < AeadCipher.TagLength || EnvelopeCodec.Check(envelope).Code != EnvelopeErrorCode.None)
        {
            return OpenResult.Reject("decrypt-failed");
        }

        var keys = session.Inbound;
        Span<byte> nonce = stackalloc byte[AeadCipher.NonceLength];
        keys.WriteNonce(envelope.Sequence, nonce);
        Span<byte> associated = stackalloc byte[MaxAssociatedDataLength];
        associated = associated[..WriteAssociatedData(envelope, associated)];
        var length = sealedPayload.Length - AeadCipher.TagLength;
        var plaintext = new byte[length];
        try
        {
            Cipher(keys).Decrypt(nonce, sealedPayload[..length], sealedPayload[length..], plaintext, associated);
        }
        catch (CryptographicException)
        {
            return OpenResult.Reject("decrypt-failed");
        }

        context.Authenticated = true;
        return OpenResult.Continue(envelope with { Payload = plaintext });
    }

    /// <summary>The envelope header with an empty payload (<see cref="EnvelopeCodec.EncodeHeader(Envelope, Span{byte})"/>).</summary>
    private static int WriteAssociatedData(Envelope envelope, Span<byte> destination) =>
        EnvelopeCodec.EncodeHeader(envelope with { Payload = ReadOnlyMemory<byte>.Empty }, destination);

    private AeadCipher Cipher(SessionDirection keys)
    {
        if (keys.Cipher is AeadCipher cached && cached.Algorithm == _algorithm)
        {
            return cached;
        }

        keys.Cipher?.Dispose();
        var cipher = new AeadCipher(_algorithm, keys.EncryptionKey);
        keys.Cipher = cipher;
        return cipher;
    }

    private static bool IsHandshake(Envelope envelope) => envelope.Kind is EnvelopeKind.Handshake or EnvelopeKind.HandshakeReply;
}
