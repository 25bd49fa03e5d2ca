using BenchmarkDotNet.Attributes;
using Testbed.Defenses.Replay;

namespace Testbed.Bench.Defenses;

/// <summary>
/// The two replay memories on their own, per message: the RFC 6479 sliding window (<c>window</c> mode, per session)
/// and the nonce cache (<c>timestamp</c> mode, per receiver), each in its accepting and refusing paths. Ratios are to
/// the window accepting in-order sequence numbers. The nonce cache runs in steady state: the clock advances 1 ms per
/// message and entries live 32 s, so about 32,000 are remembered and one expires for each one added.
/// </summary>
[MemoryDiagnoser]
public class ReplayWindowBenchmarks
{
    private const int Batch = 1024;
    private const long LifetimeMs = 32_000;

    private readonly int[] _shuffled = new int[Batch];
    private SlidingWindow _window = null!;
    private SlidingWindow _smallWindow = null!;
    private SlidingWindow _reorderWindow = null!;
    private ulong _next, _nextSmall, _reorderBase;
    private NonceCache _cache = null!;
    private long _nowMs;
    private ulong _nonce;

    [GlobalSetup]
    public void Setup()
    {
        _window = new SlidingWindow(SlidingWindow.DefaultSize);
        _smallWindow = new SlidingWindow(SlidingWindow.MinSize);
        _reorderWindow = new SlidingWindow(SlidingWindow.DefaultSize);
        // Arrival order: sequence numbers shuffled within runs of 32 (network reordering well inside the window).
        var random = new Random(42);
        for (var i = 0; i < Batch; i++)
        {
            _shuffled[i] = i;
        }

        for (var start = 0; start < Batch; start += 32)
        {
            random.Shuffle(_shuffled.AsSpan(start, 32));
        }

        _cache = new NonceCache(100_000);
        for (var i = 0; i < LifetimeMs; i++)
        {
            Add(); // fill to steady state
        }

        for (var i = 0; i < Batch; i++)
        {
            _window.Accept(++_next); // something to find duplicates in
        }
    }

    /// <summary>The window (8192) accepting the next sequence number.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public int WindowInOrder()
    {
        var accepted = 0;
        for (var i = 0; i < Batch; i++)
        {
            accepted += _window.Accept(++_next) == WindowVerdict.Accepted ? 1 : 0;
        }

        return accepted;
    }

    /// <summary>The smallest window (64) accepting the next sequence number.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int SmallWindowInOrder()
    {
        var accepted = 0;
        for (var i = 0; i < Batch; i++)
        {
            accepted += _smallWindow.Accept(++_nextSmall) == WindowVerdict.Accepted ? 1 : 0;
        }

        return accepted;
    }

    /// <summary>The window (8192) accepting sequence numbers that arrive reordered within runs of 32.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int WindowReordered()
    {
        var accepted = 0;
        for (var i = 0; i < Batch; i++)
        {
            accepted += _reorderWindow.Accept(_reorderBase + (ulong)_shuffled[i] + 1) == WindowVerdict.Accepted ? 1 : 0;
        }

        _reorderBase += Batch;
        return accepted;
    }

    /// <summary>The window refusing a replayed (already seen) sequence number.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int WindowRefusesDuplicate()
    {
        var refused = 0;
        for (var i = 0; i < Batch; i++)
        {
            refused += _window.Check(_next - (ulong)(i & 31)) == WindowVerdict.Duplicate ? 1 : 0;
        }

        return refused;
    }

    /// <summary>The nonce cache remembering a fresh nonce (and dropping what expired).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int NonceCacheAdds()
    {
        var added = 0;
        for (var i = 0; i < Batch; i++)
        {
            added += Add() == NonceVerdict.Added ? 1 : 0;
        }

        return added;
    }

    /// <summary>The nonce cache refusing a nonce it remembers.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int NonceCacheRefusesDuplicate()
    {
        var refused = 0;
        for (var i = 0; i < Batch; i++)
        {
            refused += _cache.TryAdd("customer/1", _nonce - (ulong)(i & 1023), _nowMs + LifetimeMs, _nowMs) == NonceVerdict.Duplicate ? 1 : 0;
        }

        return refused;
    }

    private NonceVerdict Add() => _cache.TryAdd("customer/1", ++_nonce, ++_nowMs + LifetimeMs, _nowMs);
}
