using System.Buffers;
using System.Globalization;
using Testbed.Defenses.Identity;
using Testbed.Envelopes;

namespace Testbed.Defenses.Sign;

/// <summary>
/// The <c>sign</c> layer (stage Authenticity): every envelope carries a signature by its sender's current long-term key.
/// Seal writes the key version into the key id segment <c>k</c> (e.g. <c>k=1</c>) and then signs
/// <see cref="EnvelopeCodec.EncodeHeader(Envelope)"/> (everything but the tag, so the key id is covered) into the tag.
/// Open checks that the sender and recipient are the ones this exchange expects, finds the certified key
/// (sender, version) in the trust store, verifies, and marks the message authenticated. Handshake envelopes belong to
/// the session layer and pass through untouched both ways (unauthenticated by this layer).
/// Rejections: malformed-envelope, missing-signature, wrong-sender, wrong-recipient, bad-key-id, unknown-key,
/// untrusted-certificate, revoked-key, rotated-key, algorithm-mismatch, bad-signature, trust-unavailable.
/// </summary>
public sealed class SignLayer : IDefenseLayer
{
    /// <summary>The layer's name in scenarios and events.</summary>
    public const string LayerName = "sign";

    /// <summary>The key id segment holding the signing key's version.</summary>
    public const string KeyIdSegment = "k";

    private const int StackLimit = 1024;
    private static readonly string[] SmallVersionSegments = Enumerable.Range(0, 64).Select(v => $"{KeyIdSegment}={v.ToString(CultureInfo.InvariantCulture)}").ToArray();

    private readonly SignOptions _options;
    private readonly DefenseEnvironment _environment;

    /// <summary>Creates the layer for one silo.</summary>
    public SignLayer(SignOptions? options, DefenseEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _options = options ?? new SignOptions();
        _environment = environment;
    }

    /// <inheritdoc />
    public string Name => LayerName;

    /// <inheritdoc />
    public DefenseStage Stage => DefenseStage.Authenticity;

    /// <inheritdoc />
    public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(context);
        if (IsHandshake(envelope.Kind))
        {
            return new(envelope);
        }

        ValueTask<ISigningKey> pending;
        try
        {
            pending = _environment.Keys.GetSigningKeyAsync(context.Endpoint.Principal);
        }
        catch (Exception ex) when (ex is not DefenseException)
        {
            throw KeyUnavailable(context, ex);
        }

        return pending.IsCompletedSuccessfully ? new(Seal(envelope, pending.Result)) : SealLaterAsync(envelope, context, pending);
    }

    /// <inheritdoc />
    public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context)
    {
        if (envelope is null || context is null || EnvelopeCodec.Check(envelope).Code != EnvelopeErrorCode.None)
        {
            return new(OpenResult.Reject("malformed-envelope"));
        }

        if (IsHandshake(envelope.Kind))
        {
            return new(OpenResult.Continue(envelope));
        }

        if (envelope.Tag.IsEmpty)
        {
            return new(OpenResult.Reject("missing-signature"));
        }

        if (!string.Equals(envelope.Sender, context.Peer, StringComparison.Ordinal))
        {
            return new(OpenResult.Reject("wrong-sender"));
        }

        if (!string.Equals(envelope.Recipient, context.Endpoint.Principal, StringComparison.Ordinal))
        {
            return new(OpenResult.Reject("wrong-recipient"));
        }

        if (!TryReadKeyVersion(envelope.KeyId, out var version))
        {
            return new(OpenResult.Reject("bad-key-id"));
        }

        ValueTask<TrustLookup> lookup;
        try
        {
            lookup = _environment.Trust.LookupAsync(envelope.Sender, version);
        }
        catch (Exception)
        {
            return new(OpenResult.Reject("trust-unavailable"));
        }

        return lookup.IsCompletedSuccessfully ? new(Verify(envelope, context, lookup.Result)) : VerifyLaterAsync(envelope, context, lookup);
    }

    /// <summary>
    /// Reads the signing key version from <paramref name="keyId"/>: segment <c>k</c> present exactly once (as
    /// <see cref="KeyIdSegments.TryGet"/> reads it) holding a positive decimal int. Allocation-free.
    /// </summary>
    public static bool TryReadKeyVersion(string keyId, out int version)
    {
        version = 0;
        var found = false;
        var span = keyId.AsSpan();
        foreach (var range in span.Split('+'))
        {
            var part = span[range];
            if (part.Length > 2 && part[0] == 'k' && part[1] == '=')
            {
                if (found)
                {
                    version = 0;
                    return false;
                }

                found = true;
                if (!int.TryParse(part[2..], NumberStyles.None, CultureInfo.InvariantCulture, out version) || version <= 0)
                {
                    version = 0;
                    return false;
                }
            }
        }

        return found;
    }

    private static bool IsHandshake(EnvelopeKind kind) => kind is EnvelopeKind.Handshake or EnvelopeKind.HandshakeReply;

    private static string WithVersion(string keyId, int version)
    {
        if (keyId.Length == 0)
        {
            return version < SmallVersionSegments.Length
                ? SmallVersionSegments[version]
                : $"{KeyIdSegment}={version.ToString(CultureInfo.InvariantCulture)}";
        }

        return KeyIdSegments.With(keyId, KeyIdSegment, version.ToString(CultureInfo.InvariantCulture));
    }

    private static DefenseException KeyUnavailable(MessageContext context, Exception ex) =>
        new(LayerName, "key-unavailable", $"no signing key for {context.Endpoint.Principal}: {ex.Message}");

    private async ValueTask<Envelope> SealLaterAsync(Envelope envelope, MessageContext context, ValueTask<ISigningKey> pending)
    {
        ISigningKey key;
        try
        {
            key = await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not DefenseException)
        {
            throw KeyUnavailable(context, ex);
        }

        return Seal(envelope, key);
    }

    private Envelope Seal(Envelope envelope, ISigningKey key)
    {
        if (key.Algorithm != _options.Algorithm)
        {
            throw new DefenseException(LayerName, "algorithm-mismatch",
                $"the sign layer is set to {SignatureAlgorithmNames.Name(_options.Algorithm)} but {key.Principal}'s key is {SignatureAlgorithmNames.Name(key.Algorithm)}");
        }

        if (!string.Equals(envelope.Sender, key.Principal, StringComparison.Ordinal))
        {
            throw new DefenseException(LayerName, "sender-mismatch", $"{key.Principal} cannot sign an envelope whose sender is {envelope.Sender}");
        }

        var keyed = envelope with { KeyId = WithVersion(envelope.KeyId, key.Version), Tag = ReadOnlyMemory<byte>.Empty };
        var problem = EnvelopeCodec.Check(keyed);
        if (problem.Code != EnvelopeErrorCode.None)
        {
            throw new DefenseException(LayerName, "invalid-envelope", $"cannot sign: {problem.Message}");
        }

        var signature = new byte[key.SignatureSize];
        var length = EnvelopeCodec.GetHeaderLength(keyed);
        byte[]? rented = null;
        var header = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            EnvelopeCodec.EncodeHeader(keyed, header);
            key.Sign(header[..length], signature);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return keyed with { Tag = signature };
    }

    private async ValueTask<OpenResult> VerifyLaterAsync(Envelope envelope, MessageContext context, ValueTask<TrustLookup> pending)
    {
        TrustLookup lookup;
        try
        {
            lookup = await pending.ConfigureAwait(false);
        }
        catch (Exception)
        {
            return OpenResult.Reject("trust-unavailable");
        }

        return Verify(envelope, context, lookup);
    }

    private OpenResult Verify(Envelope envelope, MessageContext context, TrustLookup lookup)
    {
        switch (lookup.Status)
        {
            case TrustStatus.Trusted when lookup.Verifier is not null:
                break;
            case TrustStatus.InvalidCertificate:
                return OpenResult.Reject("untrusted-certificate");
            case TrustStatus.Revoked:
                return OpenResult.Reject("revoked-key");
            case TrustStatus.RotatedOut:
                return OpenResult.Reject("rotated-key");
            default:
                return OpenResult.Reject("unknown-key");
        }

        var verifier = lookup.Verifier;
        if (verifier.Algorithm != _options.Algorithm)
        {
            return OpenResult.Reject("algorithm-mismatch");
        }

        var length = EnvelopeCodec.GetHeaderLength(envelope);
        byte[]? rented = null;
        Span<byte> header = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        bool valid;
        try
        {
            EnvelopeCodec.EncodeHeader(envelope, header);
            valid = verifier.Verify(header[..length], envelope.Tag.Span);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        if (!valid)
        {
            return OpenResult.Reject("bad-signature");
        }

        context.Authenticated = true;

        // Inner layers (encrypt, mac) sealed the envelope before the "k" segment was added: hand them the key id they sealed.
        return OpenResult.Continue(envelope with { KeyId = KeyIdSegments.Without(envelope.KeyId, "k") });
    }
}
