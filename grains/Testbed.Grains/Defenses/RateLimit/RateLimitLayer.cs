using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Defenses.RateLimit;

/// <summary>
/// Admission control before any crypto (stage Admission, open only). Requests — handshakes included — pass three
/// checks: the claimed sender is not blocked (a blocked sender's messages are refused without touching its bucket),
/// its token bucket (<see cref="RateLimitOptions.Rate"/> per second, <see cref="RateLimitOptions.Burst"/> deep) has a
/// token, and the silo's <see cref="ConcurrencyLimiter"/> has a permit, held on the message context until the service
/// has answered. A sender refused <see cref="RateLimitOptions.Strikes"/> times within
/// <see cref="RateLimitOptions.BlockFor"/> is blocked for <see cref="RateLimitOptions.BlockFor"/>. Replies are not
/// limited (they answer this silo's own requests). State is per silo (one instance serves every local principal) and
/// thread-safe; all time comes from the environment's <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// The token buckets are this layer's own: <see cref="TokenBucketRateLimiter"/> replenishes manually from
/// <c>Stopwatch</c> time (System.Threading.RateLimiting 10.0), so it could not follow an injected or fake clock.
/// </remarks>
public sealed class RateLimitLayer : IDefenseLayer, IDisposable
{
    private const int MaxBlockHistory = 10_000;

    private readonly RateLimitOptions _options;
    private readonly TimeProvider _time;
    private readonly long _blockTicks;
    private readonly ConcurrencyLimiter _concurrency;
    private readonly ConcurrentDictionary<string, SenderBucket> _senders = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<SenderBlock> _blockHistory = new();
    private readonly Lock _sweepLock = new();
    private long _nextSweep = long.MinValue;
    private int _tracked;
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

    /// <summary>Every block started so far, in order (the first 10000), for time-to-containment.</summary>
    public IReadOnlyCollection<SenderBlock> BlockHistory => _blockHistory;

    /// <summary>The senders blocked now, with when their block began and ends.</summary>
    public IReadOnlyList<SenderBlock> BlockedSenders
    {
        get
        {
            var now = Now;
            return _senders.Where(kv => kv.Value.IsBlockedAt(now))
                .Select(kv => new SenderBlock(kv.Key, At(kv.Value.BlockedSince), At(kv.Value.BlockedUntil)))
                .OrderBy(b => b.Since).ThenBy(b => b.Sender, StringComparer.Ordinal)
                .ToArray();
        }
    }

    private long Now => _time.GetUtcNow().UtcTicks;

    /// <summary>True when <paramref name="sender"/> is blocked now.</summary>
    public bool IsBlocked(string sender) => _senders.TryGetValue(sender, out var bucket) && bucket.IsBlockedAt(Now);

    /// <summary>When <paramref name="sender"/>'s first block began (null if it never was), from <see cref="BlockHistory"/>.</summary>
    public DateTimeOffset? FirstBlockedAt(string sender) =>
        _blockHistory.FirstOrDefault(b => string.Equals(b.Sender, sender, StringComparison.Ordinal))?.Since;

    /// <summary>A snapshot of the counters.</summary>
    public RateLimitStatistics GetStatistics() => new(
        Interlocked.Read(ref _admitted),
        Interlocked.Read(ref _rateLimited),
        Interlocked.Read(ref _overloaded),
        Interlocked.Read(ref _refusedWhileBlocked),
        Interlocked.Read(ref _blocks),
        Volatile.Read(ref _tracked),
        _options.Concurrency - (int)(_concurrency.GetStatistics()?.CurrentAvailablePermits ?? _options.Concurrency));

    /// <inheritdoc />
    public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(envelope);

    /// <inheritdoc />
    public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context) =>
        ValueTask.FromResult(context.Direction == WireDirection.Request ? Admit(envelope, context) : OpenResult.Continue(envelope));

    /// <inheritdoc />
    public void Dispose() => _concurrency.Dispose();

    private OpenResult Admit(Envelope envelope, MessageContext context)
    {
        var now = Now;
        var bucket = BucketOf(envelope.Sender, now);
        if (bucket is null)
        {
            Interlocked.Increment(ref _overloaded);
            return OpenResult.Reject(RateLimitReasons.Overloaded);
        }

        switch (bucket.Admit(now, _options, _blockTicks))
        {
            case AdmissionDecision.Blocked:
                Interlocked.Increment(ref _refusedWhileBlocked);
                return OpenResult.Reject(RateLimitReasons.SenderBlocked);
            case AdmissionDecision.RateLimitedAndBlocked:
                Interlocked.Increment(ref _blocks);
                if (_blockHistory.Count < MaxBlockHistory)
                {
                    _blockHistory.Enqueue(new SenderBlock(envelope.Sender, At(bucket.BlockedSince), At(bucket.BlockedUntil)));
                }

                goto case AdmissionDecision.RateLimited;
            case AdmissionDecision.RateLimited:
                Interlocked.Increment(ref _rateLimited);
                return OpenResult.Reject(RateLimitReasons.RateLimited);
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

    /// <summary>The sender's bucket, created full on first use; null when the table is full of senders that are not idle.</summary>
    private SenderBucket? BucketOf(string sender, long now)
    {
        while (true)
        {
            if (_senders.TryGetValue(sender, out var bucket))
            {
                return bucket;
            }

            if (Volatile.Read(ref _tracked) >= _options.MaxSenders && !Sweep(now))
            {
                return null;
            }

            bucket = new SenderBucket(_options.Burst, now);
            if (_senders.TryAdd(sender, bucket))
            {
                Interlocked.Increment(ref _tracked);
                return bucket;
            }
        }
    }

    /// <summary>Forgets idle senders (at most once per second of clock time); true when there is room afterwards.</summary>
    private bool Sweep(long now)
    {
        lock (_sweepLock)
        {
            if (now >= _nextSweep)
            {
                _nextSweep = now + TimeSpan.TicksPerSecond;
                foreach (var entry in _senders)
                {
                    if (entry.Value.IsIdleAt(now, _options, _blockTicks) && _senders.TryRemove(entry))
                    {
                        Interlocked.Decrement(ref _tracked);
                    }
                }
            }

            return Volatile.Read(ref _tracked) < _options.MaxSenders;
        }
    }

    private static DateTimeOffset At(long utcTicks) => new(utcTicks, TimeSpan.Zero);
}
