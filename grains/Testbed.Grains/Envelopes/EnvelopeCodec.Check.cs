namespace Testbed.Envelopes;

/// <summary>The codec's rules applied to envelope objects (before encoding, or for one that arrived as an object).</summary>
public static partial class EnvelopeCodec
{
    private static void Validate(Envelope e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var error = Check(e);
        if (error.Code != EnvelopeErrorCode.None)
        {
            throw new ArgumentException(error.Message, nameof(e));
        }
    }

    /// <summary>
    /// Applies the rules the decoder enforces to an envelope object (one that arrived as an object, not as a frame):
    /// version, defined kind, principal and key ids, payload and tag limits. Never throws; <see cref="EnvelopeError.Offset"/> is 0.
    /// </summary>
    public static EnvelopeError Check(Envelope e)
    {
        if (e is null)
        {
            return new EnvelopeError(EnvelopeErrorCode.TooShort, 0, "no envelope");
        }

        if (e.Version != Envelope.CurrentVersion)
        {
            return new EnvelopeError(EnvelopeErrorCode.UnsupportedVersion, 0, $"Version {e.Version} is not supported; only {Envelope.CurrentVersion} is.");
        }

        if (!IsDefinedKind((ushort)e.Kind))
        {
            return new EnvelopeError(EnvelopeErrorCode.UnknownKind, 0, $"Kind {(ushort)e.Kind} is not a defined EnvelopeKind.");
        }

        if (!PrincipalId.IsValid(e.Sender))
        {
            return new EnvelopeError(EnvelopeErrorCode.InvalidIdentifier, 0, "Sender is not a valid principal id (1..64 bytes of [a-z0-9._/-]).");
        }

        if (!PrincipalId.IsValid(e.Recipient))
        {
            return new EnvelopeError(EnvelopeErrorCode.InvalidIdentifier, 0, "Recipient is not a valid principal id (1..64 bytes of [a-z0-9._/-]).");
        }

        if (!PrincipalId.IsValidKeyId(e.KeyId))
        {
            return new EnvelopeError(EnvelopeErrorCode.InvalidIdentifier, 0, "KeyId is not a valid key id (0..64 bytes of [a-zA-Z0-9._/:+=-]).");
        }

        if (e.Payload.Length > MaxPayloadBytes)
        {
            return new EnvelopeError(EnvelopeErrorCode.PayloadTooLarge, 0, $"Payload is {e.Payload.Length} bytes; the limit is {MaxPayloadBytes}.");
        }

        return e.Tag.Length > MaxTagBytes
            ? new EnvelopeError(EnvelopeErrorCode.TagTooLarge, 0, $"Tag is {e.Tag.Length} bytes; the limit is {MaxTagBytes}.")
            : EnvelopeError.None;
    }
}
