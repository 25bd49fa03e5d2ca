namespace Testbed.Fuzz.Engine;

/// <summary>
/// xoshiro256** seeded through SplitMix64: a small, fast generator whose sequence depends on nothing but its seed (not on
/// the .NET version), so a run is reproducible from the seed it prints.
/// </summary>
public sealed class FuzzRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A generator for <paramref name="seed"/>.</summary>
    public FuzzRandom(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A value in [0, <paramref name="maxExclusive"/>); 0 when it is 0 or less.</summary>
    public int Next(int maxExclusive) => maxExclusive <= 1 ? 0 : (int)((NextUInt64() >> 32) * (ulong)maxExclusive >> 32);

    /// <summary>A value in [<paramref name="min"/>, <paramref name="maxExclusive"/>).</summary>
    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    /// <summary>True with probability 1 / <paramref name="n"/>.</summary>
    public bool OneIn(int n) => Next(n) == 0;

    /// <summary>An element of <paramref name="items"/>.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Fills <paramref name="bytes"/> with random bytes.</summary>
    public void Fill(Span<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)NextUInt64();
        }
    }

    /// <summary>A seed for an independent stream named <paramref name="name"/> (FNV-1a of the name mixed into <paramref name="seed"/>).</summary>
    public static ulong Derive(ulong seed, string name)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        var mixed = seed ^ hash;
        return SplitMix(ref mixed);
    }

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
