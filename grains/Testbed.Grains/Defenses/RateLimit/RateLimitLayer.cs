using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Defenses.RateLimit;

/// <summary>
/// Admission control that an adversary cannot turn against the senders it claims to be, in two steps.
/// <para><b>Admission</b> (stage Admission, before any crypto; requests, handshakes included): a request is refused when
/// its claimed sender is blocked (<c>sender-blocked</c>: such blocks only ever follow authenticated traffic, below), when
/// the token bucket of its <see cref="MessageContext.Source"/> — its origin on the transport, which whoever put the frame
/// on the wire cannot choose — is empty (<see cref="RateLimitOptions.Rate"/> per second, <see cref="RateLimitOptions.Burst"/>
/// deep; <c>rate-limited</c>), or when the silo's <see cref="ConcurrencyLimiter"/> has no permit (<c>overloaded</c>; the
/// permit is held on the context until the service has answered). A source refused <see cref="RateLimitOptions.Strikes"/>
/// times within <see cref="RateLimitOptions.BlockFor"/> is blocked for <see cref="RateLimitOptions.BlockFor"/>
/// (<c>source-blocked</c>).</para>
/// <para><b>Acceptance</b> (<see cref="IAcceptanceCheck"/>: once every layer has let the request through): when a layer
/// authenticated the sender, the request also takes a token from that principal's own bucket (same rate and burst); a
/// principal refused <c>strikes</c> times within <c>blockFor</c> is blocked, and its frames are then dropped at admission.
/// Forgeries and replays never get this far, so they can neither drain a principal's bucket nor get it blocked. Without an
/// authenticating layer there is no principal to charge: sources alone are limited.</para>
/// <para>Admission used to key buckets, strikes and blocks on the claimed sender, so junk claiming <c>payments/0</c> got the
/// real <c>payments/0</c> blocked for everyone (the <c>lockout</c> attack). Replies are not limited (they answer this silo's
/// own requests). State is per silo (one instance serves every local principal) and thread-safe; all time comes from the
/// environment's <see cref="TimeProvider"/>.</para>
/// </summary>
/// <remarks>
/// The token buckets are this layer's own: <see cref="TokenBucketRateLimiter"/> replenishes manually from
/// <c>Stopwatch</c> time (System.Threading.RateLimiting 10.0), so it could not follow an injected or fake clock.
/// </remarks>
public sealed class RateLimitLayer : IDefenseLayer, IAcceptanceCheck, IDisposable
{
    private const int MaxBlockHistory = 10_000;

    private readonly RateLimitOptions _options;
    private readonly TimeProvider _time;
    private readonly long _blockTicks;
    private readonly ConcurrencyLimiter _concurrency;
    private readonly BucketTable _sources;
    private readonly BucketTable _principals;
    private readonly ConcurrentQueue<SenderBlock> _blockHistory = new();
    private long _admitted;
    private long _rateLimited;
    private long _overloaded;
    private long _refusedWhileBlocked;
    private long _blocks;

    /// <summary>Creates the layer for one silo.</summary>
    public RateLimitLayer(RateLimitOptions? options, DefenseEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _options = options ?? new RateLimitOptions();
        _options.Validate();
        _time = environment.Time;
        _blockTicks = _options.BlockFor.Ticks;
        _sources = new BucketTable(_options, _blockTicks);
        _principals = new BucketTable(_options, _blockTicks);
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.Concurrency,
            QueueLimit = 0,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <inheritdoc />
    public string Name => "ratelimit";

    /// <inheritdoc />
    public DefenseStage Stage => DefenseStage.Admission;

    /// <summary>The options in force.</summary>
    public RateLimitOptions Options => _options;

    /// <summary>Every block started so far, of sources and of principals, in order (the first 10000), for time-to-containment.</summary>
    public IReadOnlyCollection<SenderBlock> BlockHistory => _blockHistory;

    /// <summary>The authenticated principals blocked now, with when their block began and ends.</summary>
    public IReadOnlyList<SenderBlock> BlockedSenders
    {
        get
        {
            var now = Now;
            return _principals.BlockedAt(now)
                .Select(kv => new SenderBlock(kv.Key, At(kv.Value.BlockedSince), At(kv.Value.BlockedUntil)))
                .OrderBy(b => b.Since).ThenBy(b => b.Sender, StringComparer.Ordinal)
                .ToArray();
        }
    }

    private long Now => _time.GetUtcNow().UtcTicks;

    /// <summary>True when the principal <paramref name="sender"/> is blocked now (only ever after authenticated traffic).</summary>
    public bool IsBlocked(string sender) => _principals.IsBlocked(sender, Now);

    /// <summary>True when the wire source <paramref name="source"/> is blocked now.</summary>
    public bool IsSourceBlocked(string source) => _sources.IsBlocked(source, Now);

    /// <summary>
    /// When the first block that stopped frames claiming <paramref name="sender"/> began (null if none did), from
    /// <see cref="BlockHistory"/>: a block of that principal, or of a source whose refusal of a frame claiming it started the block.
    /// </summary>
    public DateTimeOffset? FirstBlockedAt(string sender) =>
        _blockHistory.FirstOrDefault(b => string.Equals(b.Sender, sender, StringComparison.Ordinal))?.Since;

    /// <summary>A snapshot of the counters.</summary>
    public RateLimitStatistics GetStatistics() => new(
        Interlocked.Read(ref _admitted),
        Interlocked.Read(ref _rateLimited),
        Interlocked.Read(ref _overloaded),
        Interlocked.Read(ref _refusedWhileBlocked),
        Interlocked.Read(ref _blocks),
        _sources.Count,
        _principals.Count,
        _options.Concurrency - (int)(_concurrency.GetStatistics()?.CurrentAvailablePermits ?? _options.Concurrency));

    /// <inheritdoc />
    public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(envelope);

    /// <inheritdoc />
    public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context) =>
        ValueTask.FromResult(context.Direction == WireDirection.Request ? Admit(envelope, context) : OpenResult.Continue(envelope));

    /// <inheritdoc />
    public string? OnAccepted(Envelope envelope, MessageContext context) =>
        context.Authenticated && context.Direction == WireDirection.Request
            ? Take(_principals, envelope.Sender, envelope.Sender, Now, RateLimitReasons.SenderBlocked)
            : null;

    /// <inheritdoc />
    public void Dispose() => _concurrency.Dispose();

    private OpenResult Admit(Envelope envelope, MessageContext context)
    {
        var now = Now;
        if (_principals.IsBlocked(envelope.Sender, now))
        {
            Interlocked.Increment(ref _refusedWhileBlocked);
            return OpenResult.Reject(RateLimitReasons.SenderBlocked);
        }

        if (Take(_sources, context.Source ?? WireSource.Unknown, envelope.Sender, now, RateLimitReasons.SourceBlocked) is { } refusal)
        {
            return OpenResult.Reject(refusal);
        }

        var lease = _concurrency.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            Interlocked.Increment(ref _overloaded);
            return OpenResult.Reject(RateLimitReasons.Overloaded);
        }

        context.Hold(lease);
        Interlocked.Increment(ref _admitted);
        return OpenResult.Continue(envelope);
    }

    /// <summary>
    /// Takes a token from <paramref name="key"/>'s bucket in <paramref name="table"/>; null when there was one, else the
    /// refusal. A refusal that blocks the key is recorded in <see cref="BlockHistory"/> under <paramref name="claimed"/>.
    /// </summary>
    private string? Take(BucketTable table, string key, string claimed, long now, string blockedReason)
    {
        var bucket = table.Get(key, now);
        if (bucket is null)
        {
            Interlocked.Increment(ref _overloaded);
            return RateLimitReasons.Overloaded;
        }

        switch (bucket.Admit(now, _options, _blockTicks))
        {
            case AdmissionDecision.Admitted:
                return null;
            case AdmissionDecision.Blocked:
                Interlocked.Increment(ref _refusedWhileBlocked);
                return blockedReason;
            case AdmissionDecision.RateLimitedAndBlocked:
                Interlocked.Increment(ref _blocks);
                if (_blockHistory.Count < MaxBlockHistory)
                {
                    var source = ReferenceEquals(table, _sources) ? key : null;
                    _blockHistory.Enqueue(new SenderBlock(claimed, At(bucket.BlockedSince), At(bucket.BlockedUntil)) { Source = source });
                }

                break;
        }

        Interlocked.Increment(ref _rateLimited);
        return RateLimitReasons.RateLimited;
    }

    private static DateTimeOffset At(long utcTicks) => new(utcTicks, TimeSpan.Zero);
}
