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
    /// <summary>The party the entry is charged to already holds its quota of live entries; the message must be refused.</summary>
    OverQuota,
}

/// <summary>
/// The bounded memory of timestamp-mode replay protection: every (sender, nonce) seen, each until the moment after
/// which its message can no longer pass the timestamp check. Expired entries are dropped as time passes (a min-heap on
/// expiry). When the cache is full of live entries it refuses new ones rather than forgetting any: forgetting a live
/// nonce would let that very message be replayed successfully, so the cache fails closed (the sender sees
/// <c>replay-cache-full</c> until old entries expire). Each entry is charged to a party (the authenticated sender, say)
/// holding at most <see cref="SenderQuota"/> live entries, so that one party filling its quota is refused
/// (<c>replay-quota</c>) while the rest of the cache stays open to everyone else. Not thread-safe (one principal's
/// endpoint state).
/// </summary>
public sealed class NonceCache
{
    private readonly Dictionary<(string Sender, ulong Nonce), long> _expiries;
    private readonly PriorityQueue<(string Sender, ulong Nonce, string Owner), long> _byExpiry;
    private readonly Dictionary<string, int> _owned = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates an empty cache holding at most <paramref name="capacity"/> entries, at most <paramref name="senderQuota"/>
    /// (1..capacity; default: capacity, no limit below the cache's own) charged to any one party.
    /// </summary>
    public NonceCache(int capacity, int? senderQuota = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var quota = senderQuota ?? capacity;
        ArgumentOutOfRangeException.ThrowIfLessThan(quota, 1, nameof(senderQuota));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quota, capacity, nameof(senderQuota));
        (Capacity, SenderQuota) = (capacity, quota);
        _expiries = new Dictionary<(string, ulong), long>(Math.Min(capacity, 1024));
        _byExpiry = new PriorityQueue<(string, ulong, string), long>(Math.Min(capacity, 1024));
    }

    /// <summary>The most entries kept.</summary>
    public int Capacity { get; }

    /// <summary>The most live entries charged to one party.</summary>
    public int SenderQuota { get; }

    /// <summary>Entries currently remembered.</summary>
    public int Count => _expiries.Count;

    /// <summary>Entries dropped because they expired.</summary>
    public long Expired { get; private set; }

    /// <summary>Live entries charged to <paramref name="owner"/>.</summary>
    public int CountOf(string owner) => _owned.GetValueOrDefault(owner);

    /// <summary>
    /// Remembers (<paramref name="sender"/>, <paramref name="nonce"/>) until <paramref name="expiresAtMs"/> (inclusive),
    /// charged to <paramref name="chargedTo"/> (default: the sender), unless it is already remembered, the cache is full of
    /// entries live at <paramref name="nowMs"/>, or that party holds its quota of them.
    /// </summary>
    public NonceVerdict TryAdd(string sender, ulong nonce, long expiresAtMs, long nowMs, string? chargedTo = null)
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

        var owner = chargedTo ?? sender;
        var owned = _owned.GetValueOrDefault(owner);
        if (owned >= SenderQuota)
        {
            return NonceVerdict.OverQuota;
        }

        _expiries.Add(key, expiresAtMs);
        _byExpiry.Enqueue((sender, nonce, owner), expiresAtMs);
        _owned[owner] = owned + 1;
        return NonceVerdict.Added;
    }

    /// <summary>True when (<paramref name="sender"/>, <paramref name="nonce"/>) is remembered.</summary>
    public bool Contains(string sender, ulong nonce) => _expiries.ContainsKey((sender, nonce));

    /// <summary>Drops every entry whose expiry is before <paramref name="nowMs"/>.</summary>
    public void DropExpired(long nowMs)
    {
        while (_byExpiry.TryPeek(out var entry, out var expiresAtMs) && expiresAtMs < nowMs)
        {
            _byExpiry.Dequeue();
            _expiries.Remove((entry.Sender, entry.Nonce));
            var owned = _owned[entry.Owner];
            if (owned > 1)
            {
                _owned[entry.Owner] = owned - 1;
            }
            else
            {
                _owned.Remove(entry.Owner);
            }

            Expired++;
        }
    }
}
