namespace Testbed.Envelopes;

/// <summary>Why a buffer is not a valid v1 envelope encoding.</summary>
public enum EnvelopeErrorCode
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The buffer is shorter than the smallest valid encoding (<see cref="EnvelopeCodec.MinEncodedLength"/>).</summary>
    TooShort,
    /// <summary>The first two bytes are not 'T' 'B'.</summary>
    BadMagic,
    /// <summary>The version byte is not <see cref="Envelope.CurrentVersion"/>.</summary>
    UnsupportedVersion,
    /// <summary>The kind is not a defined <see cref="EnvelopeKind"/>.</summary>
    UnknownKind,
    /// <summary>The flags byte has a bit other than <see cref="EnvelopeCodec.ReplyToFlag"/> set.</summary>
    ReservedFlags,
    /// <summary>A length prefix or the bytes it announces run past the end of the buffer.</summary>
    Truncated,
    /// <summary>A principal id is empty, or an id holds a byte outside its charset.</summary>
    InvalidIdentifier,
    /// <summary>An id length prefix exceeds 64.</summary>
    FieldTooLong,
    /// <summary>The payload length exceeds <see cref="EnvelopeCodec.MaxPayloadBytes"/>.</summary>
    PayloadTooLarge,
    /// <summary>The tag length exceeds <see cref="EnvelopeCodec.MaxTagBytes"/>.</summary>
    TagTooLarge,
    /// <summary>Bytes follow the tag.</summary>
    TrailingBytes,
    /// <summary>The reply-to flag is set but the in-reply-to sequence is 0 (a non-canonical encoding of "not a reply").</summary>
    ZeroReplyTo,
}

/// <summary>
/// A decode failure: what went wrong and the byte offset in the input where it was found
/// (see docs/envelope-format.md for which offset each code reports).
/// </summary>
public readonly record struct EnvelopeError(EnvelopeErrorCode Code, int Offset, string Message)
{
    /// <summary>The success value.</summary>
    public static readonly EnvelopeError None = new(EnvelopeErrorCode.None, 0, "");

    /// <summary>For example <c>BadMagic at offset 0: magic is not 'TB'</c>.</summary>
    public override string ToString() =>
        Code == EnvelopeErrorCode.None ? "None" : $"{Code} at offset {Offset}: {Message}";
}

/// <summary>Thrown by <see cref="EnvelopeCodec.Decode"/> when the input is not a valid envelope.</summary>
public sealed class EnvelopeFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public EnvelopeFormatException(EnvelopeError error)
        : base(error.ToString())
    {
        Error = error;
    }

    /// <summary>The decode failure.</summary>
    public EnvelopeError Error { get; }
}
