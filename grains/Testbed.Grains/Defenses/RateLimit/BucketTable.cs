using System.Collections.Concurrent;

namespace Testbed.Defenses.RateLimit;

/// <summary>
/// One silo's buckets under one kind of key (wire sources, or authenticated principals), created full on first use and
/// bounded by <see cref="RateLimitOptions.MaxSenders"/>: when full, idle buckets are forgotten (at most once per second of
/// clock time); if none is idle, a new key gets no bucket. Thread-safe.
/// </summary>
internal sealed class BucketTable(RateLimitOptions options, long blockTicks)
{
    private readonly ConcurrentDictionary<string, SenderBucket> _buckets = new(StringComparer.Ordinal);
    private readonly Lock _sweepLock = new();
    private long _nextSweep = long.MinValue;
    private int _tracked;

    /// <summary>Keys tracked now.</summary>
    public int Count => Volatile.Read(ref _tracked);

    /// <summary>True when <paramref name="key"/> is blocked at <paramref name="now"/> (UTC ticks).</summary>
    public bool IsBlocked(string key, long now) => _buckets.TryGetValue(key, out var bucket) && bucket.IsBlockedAt(now);

    /// <summary>The keys blocked at <paramref name="now"/>, with their buckets.</summary>
    public IEnumerable<KeyValuePair<string, SenderBucket>> BlockedAt(long now) => _buckets.Where(kv => kv.Value.IsBlockedAt(now));

    /// <summary>The bucket of <paramref name="key"/>; null when the table is full of keys that are not idle.</summary>
    public SenderBucket? Get(string key, long now)
    {
        while (true)
        {
            if (_buckets.TryGetValue(key, out var bucket))
            {
                return bucket;
            }

            if (Volatile.Read(ref _tracked) >= options.MaxSenders && !Sweep(now))
            {
                return null;
            }

            bucket = new SenderBucket(options.Burst, now);
            if (_buckets.TryAdd(key, bucket))
            {
                Interlocked.Increment(ref _tracked);
                return bucket;
            }
        }
    }

    /// <summary>Forgets idle keys (at most once per second of clock time); true when there is room afterwards.</summary>
    private bool Sweep(long now)
    {
        lock (_sweepLock)
        {
            if (now >= _nextSweep)
            {
                _nextSweep = now + TimeSpan.TicksPerSecond;
                foreach (var entry in _buckets)
                {
                    if (entry.Value.IsIdleAt(now, options, blockTicks) && _buckets.TryRemove(entry))
                    {
                        Interlocked.Decrement(ref _tracked);
                    }
                }
            }

            return Volatile.Read(ref _tracked) < options.MaxSenders;
        }
    }
}
