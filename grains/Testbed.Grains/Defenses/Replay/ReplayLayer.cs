using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Testbed.Envelopes;

namespace Testbed.Defenses.Replay;

/// <summary>
/// The replay defense (stage Freshness). Window mode keeps an RFC 6479 <see cref="SlidingWindow"/> per (sender,
/// session id from key id segment "s") in the receiving endpoint's state and accepts each sequence number once, and
/// only while the message's timestamp is within max age + tolerance of now (a withheld request does not stay
/// deliverable for the life of the session); it runs after the session's protection layer has authenticated it. Timestamp mode adds a random 64-bit nonce as key id
/// segment "n" when sealing (before the authenticity stage, so a signature covers it) and, when opening, accepts a
/// message whose timestamp is within window + tolerance of now and whose (sender, nonce) is not in the bounded
/// <see cref="NonceCache"/>. Handshake envelopes pass untouched in both modes (the session layer owns them).
/// </summary>
public sealed class ReplayLayer : IDefenseLayer
{
    /// <summary>Key id segment holding the session id (written by the session defense).</summary>
    public const string SessionSegment = "s";

    /// <summary>Key id segment holding the nonce (timestamp mode).</summary>
    public const string NonceSegment = "n";

    private readonly ReplayOptions _options;
    private readonly DefenseEnvironment _environment;
    private readonly Func<SessionWindows> _newWindows;
    private readonly Func<NonceCache> _newCache;

    /// <summary>Creates the layer for one silo.</summary>
    public ReplayLayer(ReplayOptions? options, DefenseEnvironment environment)
    {
        _options = options ?? new ReplayOptions();
        _options.Validate();
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        var size = _options.WindowSize;
        var capacity = _options.CacheSize;
        _newWindows = () => new SessionWindows(size);
        _newCache = () => new NonceCache(capacity);
    }

    /// <inheritdoc />
    public string Name => "replay";

    /// <inheritdoc />
    public DefenseStage Stage => DefenseStage.Freshness;

    /// <summary>The options in force.</summary>
    public ReplayOptions Options => _options;

    /// <inheritdoc />
    public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context)
    {
        if (_options.Mode != ReplayMode.Timestamp || IsHandshake(envelope.Kind))
        {
            return ValueTask.FromResult(envelope);
        }

        Span<byte> random = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(random);
        var nonce = BinaryPrimitives.ReadUInt64BigEndian(random).ToString("x16", CultureInfo.InvariantCulture);
        return ValueTask.FromResult(envelope with { KeyId = KeyIdSegments.With(envelope.KeyId, NonceSegment, nonce) });
    }

    /// <inheritdoc />
    public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context)
    {
        if (IsHandshake(envelope.Kind))
        {
            return ValueTask.FromResult(OpenResult.Continue(envelope));
        }

        var reason = _options.Mode == ReplayMode.Window ? CheckWindow(envelope, context) : CheckTimestamp(envelope, context);
        return ValueTask.FromResult(reason is null ? OpenResult.Continue(envelope) : OpenResult.Reject(reason));
    }

    private string? CheckWindow(Envelope envelope, MessageContext context)
    {
        if (!KeyIdSegments.TryGet(envelope.KeyId, SessionSegment, out var session))
        {
            return ReplayReasons.NoSession;
        }

        if (CheckAge(envelope) is { } age)
        {
            return age;
        }

        var windows = context.Endpoint.State(_newWindows);
        return windows.For(envelope.Sender, session).Accept(envelope.Sequence) switch
        {
            WindowVerdict.Accepted => null,
            WindowVerdict.Duplicate => ReplayReasons.Duplicate,
            WindowVerdict.TooOld => ReplayReasons.TooOld,
            _ => ReplayReasons.BadSequence,
        };
    }

    private string? CheckTimestamp(Envelope envelope, MessageContext context)
    {
        if (!KeyIdSegments.TryGet(envelope.KeyId, NonceSegment, out var text)
            || text.Length != 16
            || !ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var nonce))
        {
            return ReplayReasons.MissingNonce;
        }

        if (CheckAge(envelope) is { } age)
        {
            return age;
        }

        var now = _environment.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var maxAge = _options.MaxAgeMs;

        // Remember the nonce for as long as a message with this timestamp could pass the check above.
        var cache = context.Endpoint.State(_newCache);
        return cache.TryAdd(envelope.Sender, nonce, envelope.TimestampMs + maxAge, now) switch
        {
            NonceVerdict.Added => null,
            NonceVerdict.Duplicate => ReplayReasons.Duplicate,
            _ => ReplayReasons.CacheFull,
        };
    }

    /// <summary>Stale or future by the receiver's clock (max age + tolerance either way), or null.</summary>
    private string? CheckAge(Envelope envelope)
    {
        var now = _environment.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var maxAge = _options.MaxAgeMs;
        return envelope.TimestampMs < now - maxAge ? ReplayReasons.Stale
            : envelope.TimestampMs > now + maxAge ? ReplayReasons.Future
            : null;
    }

    private static bool IsHandshake(EnvelopeKind kind) => kind is EnvelopeKind.Handshake or EnvelopeKind.HandshakeReply;
}
