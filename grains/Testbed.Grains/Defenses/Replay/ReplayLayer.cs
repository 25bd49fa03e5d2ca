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
/// <see cref="NonceCache"/> (each entry charged to the authenticated sender, else to the wire source, up to its quota),
/// and whose timestamp its <see cref="ReplayHorizon"/> covers: the cache dies with the
/// activation, the horizon's lease is durable, so a new activation refuses what its predecessor may have accepted
/// (<c>replay-before-horizon</c>). Handshake envelopes pass untouched in both modes (the session layer owns them).
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
        var (capacity, quota) = (_options.CacheSize, _options.EffectiveSenderQuota);
        _newWindows = () => new SessionWindows(size);
        _newCache = () => new NonceCache(capacity, quota);
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

        return _options.Mode == ReplayMode.Window ? Verdict(envelope, CheckWindow(envelope, context)) : CheckTimestamp(envelope, context);
    }

    private static ValueTask<OpenResult> Verdict(Envelope envelope, string? reason) =>
        ValueTask.FromResult(reason is null ? OpenResult.Continue(envelope) : OpenResult.Reject(reason));

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

    private ValueTask<OpenResult> CheckTimestamp(Envelope envelope, MessageContext context)
    {
        if (!KeyIdSegments.TryGet(envelope.KeyId, NonceSegment, out var text)
            || text.Length != 16
            || !ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var nonce))
        {
            return Verdict(envelope, ReplayReasons.MissingNonce);
        }

        if (CheckAge(envelope) is { } age)
        {
            return Verdict(envelope, age);
        }

        var endpoint = context.Endpoint;
        var horizon = endpoint.State(() => new ReplayHorizon(_environment.ReplayHorizons, endpoint.Principal, _options.HorizonLeaseMs));
        return horizon.Loaded ? CheckFresh(envelope, nonce, context, horizon) : LoadThenCheckAsync(envelope, nonce, context, horizon);
    }

    /// <summary>After the age check, with the predecessor's lease known: the horizon, the nonce, then the lease.</summary>
    private ValueTask<OpenResult> CheckFresh(Envelope envelope, ulong nonce, MessageContext context, ReplayHorizon horizon)
    {
        if (envelope.TimestampMs <= horizon.Floor)
        {
            return Verdict(envelope, ReplayReasons.BeforeHorizon);
        }

        if (horizon.Closed)
        {
            return Verdict(envelope, ReplayReasons.HorizonUnavailable); // the activation is ending
        }

        var now = _environment.Time.GetUtcNow().ToUnixTimeMilliseconds();

        // Remember the nonce for as long as a message with this timestamp could pass the age check, and before any
        // await below, so a copy arriving while the lease is written is a duplicate. Charged to whoever is known to have
        // sent it: the authenticated sender, else the frame's origin on the transport (a claim alone must not use up the
        // quota of the principal it names).
        var chargedTo = context.Authenticated || context.Source is null ? envelope.Sender : context.Source;
        var cache = context.Endpoint.State(_newCache);
        var reason = cache.TryAdd(envelope.Sender, nonce, envelope.TimestampMs + _options.MaxAgeMs, now, chargedTo) switch
        {
            NonceVerdict.Added => null,
            NonceVerdict.Duplicate => ReplayReasons.Duplicate,
            NonceVerdict.OverQuota => ReplayReasons.Quota,
            _ => ReplayReasons.CacheFull,
        };
        if (reason is not null)
        {
            return Verdict(envelope, reason);
        }

        if (!horizon.Covers(envelope.TimestampMs))
        {
            return CoverThenAcceptAsync(envelope, horizon);
        }

        horizon.Accepted(envelope.TimestampMs);
        return Verdict(envelope, null);
    }

    private async ValueTask<OpenResult> LoadThenCheckAsync(Envelope envelope, ulong nonce, MessageContext context, ReplayHorizon horizon)
    {
        try
        {
            await horizon.LoadAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return OpenResult.Reject(ReplayReasons.HorizonUnavailable); // fail closed: the predecessor's lease is unknown
        }

        return await CheckFresh(envelope, nonce, context, horizon);
    }

    private static async ValueTask<OpenResult> CoverThenAcceptAsync(Envelope envelope, ReplayHorizon horizon)
    {
        try
        {
            await horizon.CoverAsync(envelope.TimestampMs);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return OpenResult.Reject(ReplayReasons.HorizonUnavailable); // fail closed: a successor could not refuse it
        }

        if (horizon.Closed)
        {
            return OpenResult.Reject(ReplayReasons.HorizonUnavailable); // ended while the lease was written
        }

        horizon.Accepted(envelope.TimestampMs);
        return OpenResult.Continue(envelope);
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
