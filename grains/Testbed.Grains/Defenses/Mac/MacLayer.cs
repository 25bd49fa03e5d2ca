using System.Buffers;
using System.Security.Cryptography;
using Testbed.Defenses.Session;
using Testbed.Envelopes;

namespace Testbed.Defenses.Mac;

/// <summary>
/// The <c>mac</c> defense: HMAC-SHA256 under the session's per-direction MAC key over the whole envelope header
/// (<see cref="EnvelopeCodec.EncodeHeader(Envelope)"/>: every field and the payload), a 32-byte tag in
/// <see cref="Envelope.Tag"/>, compared in constant time. Applies only to sessions that negotiated "mac".
/// </summary>
/// <remarks>
/// The layer runs in the <see cref="DefenseStage.Authenticity"/> stage, not Protection: the pipeline runs layers of one
/// stage in the same order when sealing and opening, so two payload-dependent layers in one stage cannot nest. In
/// Authenticity, mac seals last (after encrypt, so it covers the ciphertext: encrypt-then-MAC) and opens first (before any
/// decryption, finding the session itself from the key id as the session layer does). Rejections: <c>missing-mac</c>,
/// <c>bad-mac</c>, <c>no-session</c>. Seal failure: <c>no-session</c>.
/// </remarks>
public sealed class MacLayer : IDefenseLayer
{
    /// <summary>The defense name.</summary>
    public const string LayerName = "mac";

    /// <summary>Bytes of the tag.</summary>
    public const int TagLength = HMACSHA256.HashSizeInBytes;

    private const int StackLimit = 1024;

    /// <summary>Creates the layer for one silo.</summary>
    public MacLayer(MacOptions? options, DefenseEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _ = options ?? new MacOptions();
    }

    /// <inheritdoc />
    public string Name => LayerName;

    /// <inheritdoc />
    public DefenseStage Stage => DefenseStage.Authenticity;

    /// <inheritdoc />
    public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context)
    {
        if (IsHandshake(envelope))
        {
            return ValueTask.FromResult(envelope);
        }

        if (context.Session is not SessionState { IsRetired: false } session)
        {
            throw new DefenseException(LayerName, "no-session", $"no live session to authenticate {envelope.Kind} to {context.Peer} under");
        }

        if (!session.Chosen.Contains(LayerName))
        {
            return ValueTask.FromResult(envelope);
        }

        var tag = new byte[TagLength];
        ComputeTag(session.Outbound, envelope, tag);
        return ValueTask.FromResult(envelope with { Tag = tag });
    }

    /// <inheritdoc />
    public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(Open(envelope, context));

    private static OpenResult Open(Envelope envelope, MessageContext context)
    {
        if (IsHandshake(envelope))
        {
            return OpenResult.Continue(envelope);
        }

        if (SessionTable.Find(envelope, context, out var session) is not null || session is not { IsRetired: false })
        {
            return OpenResult.Reject("no-session");
        }

        if (!session.Chosen.Contains(LayerName))
        {
            return OpenResult.Continue(envelope);
        }

        var received = envelope.Tag.Span;
        if (received.IsEmpty)
        {
            return OpenResult.Reject("missing-mac");
        }

        if (received.Length != TagLength || EnvelopeCodec.Check(envelope).Code != EnvelopeErrorCode.None)
        {
            return OpenResult.Reject("bad-mac");
        }

        Span<byte> expected = stackalloc byte[TagLength];
        ComputeTag(session.Inbound, envelope, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, received))
        {
            return OpenResult.Reject("bad-mac");
        }

        context.Authenticated = true;
        return OpenResult.Continue(envelope);
    }

    private static void ComputeTag(SessionDirection keys, Envelope envelope, Span<byte> tag)
    {
        var length = EnvelopeCodec.GetHeaderLength(envelope);
        byte[]? rented = null;
        var header = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            EnvelopeCodec.EncodeHeader(envelope, header);
            HMACSHA256.HashData(keys.MacKey, header[..length], tag);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool IsHandshake(Envelope envelope) => envelope.Kind is EnvelopeKind.Handshake or EnvelopeKind.HandshakeReply;
}
