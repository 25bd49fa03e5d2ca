namespace Testbed.Defenses.Replay;

/// <summary>What <see cref="NonceCache.TryAdd"/> decided.</summary>
public enum NonceVerdict
{
    /// <summary>The nonce was new and is now remembered.</summary>
    Added,
    /// <summary>The (sender, nonce) pair is already remembered.</summary>
    Duplicate,
    /// <summary>The cache is full of entries that are still live; the message must be refused.</summary>
    Full,
}

/// <summary>
/// The bounded memory of timestamp-mode replay protection: every (sender, nonce) seen, each until the moment after
/// which its message can no longer pass the timestamp check. Expired entries are dropped as time passes (a min-heap on
/// expiry). When the cache is full of live entries it refuses new ones rather than forgetting any: forgetting a live
/// nonce would let that very message be replayed successfully, so the cache fails closed (the sender sees
/// <c>replay-cache-full</c> until old entries expire). Not thread-safe (one principal's endpoint state).
/// </summary>
public sealed class NonceCache
{
    private readonly Dictionary<(string Sender, ulong Nonce), long> _expiries;
    private readonly PriorityQueue<(string Sender, ulong Nonce), long> _byExpiry;

    /// <summary>Creates an empty cache holding at most <paramref name="capacity"/> entries.</summary>
    public NonceCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _expiries = new Dictionary<(string, ulong), long>(Math.Min(capacity, 1024));
        _byExpiry = new PriorityQueue<(string, ulong), long>(Math.Min(capacity, 1024));
    }

    /// <summary>The most entries kept.</summary>
    public int Capacity { get; }

    /// <summary>Entries currently remembered.</summary>
    public int Count => _expiries.Count;

    /// <summary>Entries dropped because they expired.</summary>
    public long Expired { get; private set; }

    /// <summary>
    /// Remembers (<paramref name="sender"/>, <paramref name="nonce"/>) until <paramref name="expiresAtMs"/> (inclusive)
    /// unless it is already remembered or the cache is full of entries that are live at <paramref name="nowMs"/>.
    /// </summary>
    public NonceVerdict TryAdd(string sender, ulong nonce, long expiresAtMs, long nowMs)
    {
        DropExpired(nowMs);
        var key = (sender, nonce);
        if (_expiries.ContainsKey(key))
        {
            return NonceVerdict.Duplicate;
        }

        if (_expiries.Count >= Capacity)
        {
            return NonceVerdict.Full;
        }

        _expiries.Add(key, expiresAtMs);
        _byExpiry.Enqueue(key, expiresAtMs);
        return NonceVerdict.Added;
    }

    /// <summary>True when (<paramref name="sender"/>, <paramref name="nonce"/>) is remembered.</summary>
    public bool Contains(string sender, ulong nonce) => _expiries.ContainsKey((sender, nonce));

    /// <summary>Drops every entry whose expiry is before <paramref name="nowMs"/>.</summary>
    public void DropExpired(long nowMs)
    {
        while (_byExpiry.TryPeek(out var key, out var expiresAtMs) && expiresAtMs < nowMs)
        {
            _byExpiry.Dequeue();
            _expiries.Remove(key);
            Expired++;
        }
    }
}
