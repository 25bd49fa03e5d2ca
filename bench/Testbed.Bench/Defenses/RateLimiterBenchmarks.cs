using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using Testbed.Defenses;
using Testbed.Defenses.InProcess;
using Testbed.Defenses.RateLimit;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Bench.Defenses;

/// <summary>
/// The rate limiter's admission decision for one request (token bucket per claimed sender, concurrency permit held
/// and released, containment), beside the BCL's <see cref="TokenBucketRateLimiter"/> taking one permit (the baseline
/// of the ratios). Paths: admitted (one sender; 10,000 senders in turn), refused by an empty bucket, refused because the
/// sender is blocked.
/// </summary>
[MemoryDiagnoser]
public class RateLimiterBenchmarks
{
    private const int Senders = 10_000;

    private InProcessChannel _channel = null!;
    private DefenseEndpoint _endpoint = null!;
    private RateLimitLayer _open = null!;
    private RateLimitLayer _limited = null!;
    private RateLimitLayer _blocked = null!;
    private TokenBucketRateLimiter _bcl = null!;
    private Envelope _one = null!;
    private Envelope[] _many = [];
    private int _turn;

    [GlobalSetup]
    public void Setup()
    {
        _channel = new InProcessChannel(new DefensePipelineBuilder());
        var environment = _channel.Environment;
        _endpoint = new DefenseEndpoint("payments/0", environment);
        _open = new RateLimitLayer(new RateLimitOptions { Rate = 1e9, Burst = 1_000_000, MaxSenders = Senders * 2 }, environment);
        // A clock 2 ms further on at every reading: refusals are never dense enough to block the sender (1000 within
        // 1 ms), and a token takes 1000 s to come back, so every request here takes the rate-limited path.
        var stepping = new DefenseEnvironment(new SteppingClock(TimeSpan.FromMilliseconds(2)), environment.Keys, environment.Trust, environment.Events, environment.Wire);
        _limited = new RateLimitLayer(new RateLimitOptions { Rate = 1e-3, Burst = 1, Strikes = 1000, BlockFor = TimeSpan.FromMilliseconds(1) }, stepping);
        _blocked = new RateLimitLayer(new RateLimitOptions { Rate = 1e-3, Burst = 1, Strikes = 1, BlockFor = TimeSpan.FromHours(1) }, environment);
        _bcl = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1_000_000,
            TokensPerPeriod = 1_000_000,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(1),
            AutoReplenishment = true,
            QueueLimit = 0,
        });
        _one = Message("customer/1");
        _many = [.. Enumerable.Range(0, Senders).Select(i => Message($"customer/{i}"))];
        foreach (var layer in new[] { _limited, _blocked })
        {
            Open(layer, _one); // spend the one token
            Open(layer, _one); // refused: the strike that blocks, where strikes = 1
        }

        for (var i = 0; i < 5000; i++)
        {
            Open(_limited, _one);
            Open(_blocked, _one);
        }

        var (limited, blocked) = (_limited.GetStatistics(), _blocked.GetStatistics());
        if (limited.RefusedWhileBlocked != 0 || limited.Blocks != 0 || blocked.RefusedWhileBlocked < 5000)
        {
            throw new InvalidOperationException($"the refusal paths are not the intended ones: {limited} / {blocked}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _open.Dispose();
        _limited.Dispose();
        _blocked.Dispose();
        _bcl.Dispose();
        _channel.Dispose();
    }

    /// <summary>The BCL token bucket granting one permit.</summary>
    [Benchmark(Baseline = true)]
    public bool BclTokenBucket()
    {
        using var lease = _bcl.AttemptAcquire();
        return lease.IsAcquired;
    }

    /// <summary>Admitting a request from the same sender.</summary>
    [Benchmark]
    public OpenOutcome AdmitOneSender() => Open(_open, _one);

    /// <summary>Admitting requests from 10,000 senders in turn (one bucket each).</summary>
    [Benchmark]
    public OpenOutcome AdmitManySenders() => Open(_open, _many[_turn = (_turn + 1) % Senders]);

    /// <summary>Refusing a request because the sender's bucket is empty.</summary>
    [Benchmark]
    public OpenOutcome RefuseRateLimited() => Open(_limited, _one);

    /// <summary>Refusing a request because its sender is blocked.</summary>
    [Benchmark]
    public OpenOutcome RefuseBlocked() => Open(_blocked, _one);

    private OpenOutcome Open(RateLimitLayer layer, Envelope request)
    {
        var context = new MessageContext { Endpoint = _endpoint, Peer = request.Sender, Direction = WireDirection.Request, Source = request.Sender };
        var result = layer.OpenAsync(request, context).GetAwaiter().GetResult();
        context.Release();
        return result.Outcome;
    }

    private static Envelope Message(string sender) => new()
    {
        Kind = EnvelopeKind.Order,
        Sender = sender,
        Recipient = "payments/0",
        Sequence = 1,
        TimestampMs = 1,
        Payload = new byte[64],
    };
}

/// <summary>A clock that moves <paramref name="step"/> forward every time it is read.</summary>
internal sealed class SteppingClock(TimeSpan step) : TimeProvider
{
    private long _ticks = DateTimeOffset.UnixEpoch.AddYears(56).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, step.Ticks), TimeSpan.Zero);
}
