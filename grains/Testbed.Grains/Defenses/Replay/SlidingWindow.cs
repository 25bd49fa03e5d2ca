namespace Testbed.Defenses.Replay;

/// <summary>What <see cref="SlidingWindow"/> says about one sequence number.</summary>
public enum WindowVerdict
{
    /// <summary>New and inside the window (or ahead of it): accept.</summary>
    Accepted,
    /// <summary>Already seen.</summary>
    Duplicate,
    /// <summary>Further behind the highest sequence number than the window reaches.</summary>
    TooOld,
    /// <summary>Sequence number 0, which is never sent (sequences start at 1).</summary>
    Invalid,
}

/// <summary>
/// The anti-replay sliding window of RFC 6479: a ring of 64-bit blocks indexed by <c>sequence / 64</c>. Moving the
/// window forward zeroes whole blocks instead of shifting bits, so check and update are O(1) (amortized over jumps)
/// and allocation-free. One block is kept spare for that, so a bitmap of <see cref="Size"/> bits accepts a sequence
/// number up to <see cref="Reach"/> = <see cref="Size"/> − 64 below the highest one seen, exactly once.
/// Not thread-safe (it lives in one principal's endpoint state, used from its grain's turns).
/// </summary>
public sealed class SlidingWindow
{
    /// <summary>The default bitmap size in bits.</summary>
    public const int DefaultSize = 8192;

    /// <summary>The smallest bitmap size (one block: then only increasing sequence numbers pass).</summary>
    public const int MinSize = 64;

    /// <summary>The largest bitmap size (128 KiB of bitmap).</summary>
    public const int MaxSize = 1 << 20;

    private const int BlockShift = 6;
    private const ulong BitMask = 63;

    private readonly ulong[] _blocks;
    private readonly ulong _indexMask;
    private readonly ulong _reach;

    /// <summary>Creates an empty window of <paramref name="size"/> bits (a power of two, <see cref="MinSize"/>..<see cref="MaxSize"/>).</summary>
    public SlidingWindow(int size = DefaultSize)
    {
        if (!IsValidSize(size))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"the window size must be a power of two in {MinSize}..{MaxSize}");
        }

        Size = size;
        _blocks = new ulong[size >> BlockShift];
        _indexMask = (ulong)_blocks.Length - 1;
        _reach = (ulong)(size - MinSize);
    }

    /// <summary>Bits in the bitmap.</summary>
    public int Size { get; }

    /// <summary>How far below <see cref="Highest"/> a sequence number may be and still be accepted (once).</summary>
    public ulong Reach => _reach;

    /// <summary>The highest sequence number accepted so far (0 before the first).</summary>
    public ulong Highest { get; private set; }

    /// <summary>True when <paramref name="size"/> is a power of two in <see cref="MinSize"/>..<see cref="MaxSize"/>.</summary>
    public static bool IsValidSize(int size) => size is >= MinSize and <= MaxSize && (size & (size - 1)) == 0;

    /// <summary>Says whether <paramref name="sequence"/> would be accepted, without recording it.</summary>
    public WindowVerdict Check(ulong sequence)
    {
        if (sequence == 0)
        {
            return WindowVerdict.Invalid;
        }

        if (sequence > Highest)
        {
            return WindowVerdict.Accepted;
        }

        if (Highest - sequence > _reach)
        {
            return WindowVerdict.TooOld;
        }

        return (_blocks[BlockIndex(sequence)] & Bit(sequence)) != 0 ? WindowVerdict.Duplicate : WindowVerdict.Accepted;
    }

    /// <summary>Checks <paramref name="sequence"/> and, when it is accepted, records it (sliding the window forward if it is new highest).</summary>
    public WindowVerdict Accept(ulong sequence)
    {
        var verdict = Check(sequence);
        if (verdict != WindowVerdict.Accepted)
        {
            return verdict;
        }

        if (sequence > Highest)
        {
            // Zero the blocks the window slides into (all of them when it jumps past the whole ring).
            var current = Highest >> BlockShift;
            var steps = Math.Min((sequence >> BlockShift) - current, (ulong)_blocks.Length);
            for (ulong i = 1; i <= steps; i++)
            {
                _blocks[(current + i) & _indexMask] = 0;
            }

            Highest = sequence;
        }

        _blocks[BlockIndex(sequence)] |= Bit(sequence);
        return WindowVerdict.Accepted;
    }

    private int BlockIndex(ulong sequence) => (int)((sequence >> BlockShift) & _indexMask);

    private static ulong Bit(ulong sequence) => 1UL << (int)(sequence & BitMask);
}
