using CsCheck;
using Testbed.Defenses.Replay;
using Xunit;

namespace Testbed.Tests.Defenses.Replay;

public class SlidingWindowTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    [InlineData(100)]
    [InlineData(8191)]
    [InlineData(1 << 21)]
    public void Rejects_sizes_that_are_not_powers_of_two_in_range(int size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlidingWindow(size));

    [Fact]
    public void Reach_is_the_bitmap_less_one_spare_block()
    {
        var window = new SlidingWindow(128);
        Assert.Equal(64UL, window.Reach);
        Assert.Equal(WindowVerdict.Accepted, window.Accept(200));
        Assert.Equal(WindowVerdict.Accepted, window.Accept(136));
        Assert.Equal(WindowVerdict.TooOld, window.Accept(135));
        Assert.Equal(WindowVerdict.Duplicate, window.Accept(136));
        Assert.Equal(WindowVerdict.Invalid, window.Accept(0));
        Assert.Equal(200UL, window.Highest);
    }

    [Fact]
    public void Check_does_not_record()
    {
        var window = new SlidingWindow();
        Assert.Equal(WindowVerdict.Accepted, window.Check(5));
        Assert.Equal(WindowVerdict.Accepted, window.Check(5));
        Assert.Equal(0UL, window.Highest);
        Assert.Equal(WindowVerdict.Accepted, window.Accept(5));
        Assert.Equal(WindowVerdict.Duplicate, window.Check(5));
    }

    [Fact]
    public void Minimum_size_accepts_only_increasing_sequences()
    {
        var window = new SlidingWindow(64);
        Assert.Equal(WindowVerdict.Accepted, window.Accept(10));
        Assert.Equal(WindowVerdict.TooOld, window.Accept(9));
        Assert.Equal(WindowVerdict.Duplicate, window.Accept(10));
        Assert.Equal(WindowVerdict.Accepted, window.Accept(100));
    }

    [Fact]
    public void A_jump_past_the_whole_ring_forgets_old_bits_but_keeps_the_reach()
    {
        var window = new SlidingWindow(256);
        for (ulong s = 1; s <= 300; s++)
        {
            Assert.Equal(WindowVerdict.Accepted, window.Accept(s));
        }

        Assert.Equal(WindowVerdict.Accepted, window.Accept(1_000_000));
        Assert.Equal(WindowVerdict.Accepted, window.Accept(1_000_000 - 192));
        Assert.Equal(WindowVerdict.Duplicate, window.Accept(1_000_000 - 192));
        Assert.Equal(WindowVerdict.TooOld, window.Accept(1_000_000 - 193));
    }

    [Fact]
    public void Agrees_with_a_set_model_on_random_sequences()
    {
        var sizes = Gen.Int[6, 9].Select(shift => 1 << shift);
        var sequences = Gen.OneOf(
            Gen.ULong[0, 2_000].Array[0, 400],
            Gen.ULong[0, 40].Array[0, 400].Select(steps => Walk(steps, 1)),
            Gen.ULong[0, 300].Array[0, 200].Select(steps => Walk(steps, ulong.MaxValue - 40_000)));
        Gen.Select(sizes, sequences).Sample((size, sequence) => AgreesWithModel(size, sequence), iter: 2000);
    }

    /// <summary>Mostly increasing sequences with reorders: each step moves the frontier on and picks a value near it.</summary>
    private static ulong[] Walk(ulong[] steps, ulong start)
    {
        var result = new ulong[steps.Length];
        var frontier = start;
        for (var i = 0; i < steps.Length; i++)
        {
            frontier += steps[i] / 2;
            result[i] = steps[i] % 3 == 0 && frontier > steps[i] * 8 ? frontier - (steps[i] * 8) : frontier;
        }

        return result;
    }

    private static bool AgreesWithModel(int size, ulong[] sequence)
    {
        var window = new SlidingWindow(size);
        var seen = new HashSet<ulong>();
        ulong max = 0;
        var reach = (ulong)(size - 64);
        foreach (var s in sequence)
        {
            var expected = s >= 1 && !seen.Contains(s) && (s > max || max - s <= reach);
            var verdict = window.Accept(s);
            if ((verdict == WindowVerdict.Accepted) != expected)
            {
                return false;
            }

            var reasonOk = verdict switch
            {
                WindowVerdict.Invalid => s == 0,
                WindowVerdict.Duplicate => seen.Contains(s) && max - s <= reach,
                WindowVerdict.TooOld => s >= 1 && s <= max && max - s > reach,
                _ => true,
            };
            if (!reasonOk)
            {
                return false;
            }

            if (expected)
            {
                seen.Add(s);
                max = Math.Max(max, s);
            }
        }

        return window.Highest == max;
    }
}
