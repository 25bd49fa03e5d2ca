namespace Testbed.Envelopes;

/// <summary>
/// A message between two principals. Encoded and decoded by <see cref="EnvelopeCodec"/>.
/// Record equality compares <see cref="Payload"/> and <see cref="Tag"/> by reference;
/// use <see cref="ContentEquals"/> to compare their bytes.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Envelope
{
    /// <summary>The only wire-format version this code reads and writes.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Wire-format version; must be <see cref="CurrentVersion"/> to encode.</summary>
    [Id(0)]
    public byte Version { get; init; } = CurrentVersion;

    /// <summary>What the envelope carries.</summary>
    [Id(1)]
    public required EnvelopeKind Kind { get; init; }

    /// <summary>Principal id of the sender (see <see cref="PrincipalId"/>).</summary>
    [Id(2)]
    public required string Sender { get; init; }

    /// <summary>Principal id of the recipient (see <see cref="PrincipalId"/>).</summary>
    [Id(3)]
    public required string Recipient { get; init; }

    /// <summary>Sender-assigned sequence number.</summary>
    [Id(4)]
    public ulong Sequence { get; init; }

    /// <summary>Send time in unix milliseconds.</summary>
    [Id(5)]
    public long TimestampMs { get; init; }

    /// <summary>Id of the key that produced <see cref="Tag"/>; may be empty (see <see cref="PrincipalId.IsValidKeyId(string)"/>).</summary>
    [Id(6)]
    public string KeyId { get; init; } = "";

    /// <summary>Application bytes, at most <see cref="EnvelopeCodec.MaxPayloadBytes"/>.</summary>
    [Id(7)]
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>
    /// For a reply, the <see cref="Sequence"/> of the request it answers (as the request went on the wire, after its
    /// sender's layers sealed it); 0 for a request. Part of the header, so the AEAD associated data, the MAC and the
    /// signature all cover it: a reply cannot be delivered as the answer to another request without breaking its tag.
    /// </summary>
    [Id(9)]
    public ulong InReplyTo { get; init; }

    /// <summary>Signature or MAC over the header, at most <see cref="EnvelopeCodec.MaxTagBytes"/>; may be empty.</summary>
    [Id(8)]
    public ReadOnlyMemory<byte> Tag { get; init; }

    /// <summary>True when every field, including the payload and tag bytes, equals <paramref name="other"/>'s.</summary>
    public bool ContentEquals(Envelope? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return Version == other.Version
            && Kind == other.Kind
            && Sequence == other.Sequence
            && InReplyTo == other.InReplyTo
            && TimestampMs == other.TimestampMs
            && string.Equals(Sender, other.Sender, StringComparison.Ordinal)
            && string.Equals(Recipient, other.Recipient, StringComparison.Ordinal)
            && string.Equals(KeyId, other.KeyId, StringComparison.Ordinal)
            && Payload.Span.SequenceEqual(other.Payload.Span)
            && Tag.Span.SequenceEqual(other.Tag.Span);
    }
}
