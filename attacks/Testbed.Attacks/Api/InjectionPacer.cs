using System.Diagnostics;
using Testbed.Envelopes;

namespace Testbed.Attacks.Api;

/// <summary>A frame to inject: where it goes, the sender and kind it claims, and how its attempt is described.</summary>
public sealed record ForgedFrame(string Recipient, byte[] Frame, string ClaimedSender, EnvelopeKind Kind, string Action)
{
    /// <summary>The frame of <paramref name="forged"/> (encoded), to its recipient, claiming its sender.</summary>
    public static ForgedFrame Of(Envelope forged, string action) =>
        new(forged.Recipient, EnvelopeCodec.Encode(forged), forged.Sender, forged.Kind, action);
}

/// <summary>
/// Injects at a steady rate with a bound on outstanding injections (an attack needs <see cref="AdversaryCapabilities.Inject"/>).
/// Every injected frame is an attempt (<see cref="AdversaryContext.InjectFrameAsync"/>: refusals are recorded when the
/// reply comes back); a send falling due while <c>maxInFlight</c> are outstanding is skipped and counted. Thread-safe counters.
/// </summary>
public sealed class InjectionPacer
{
    private readonly AdversaryContext _context;
    private readonly double _rate;
    private readonly int _maxInFlight;
    private int _inFlight;
    private long _injected, _skipped;

    /// <summary>Paces injections through <paramref name="context"/> at <paramref name="rate"/> per second.</summary>
    public InjectionPacer(AdversaryContext context, double rate, int maxInFlight)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxInFlight);
        (_context, _rate, _maxInFlight) = (context, rate, maxInFlight);
    }

    /// <summary>Frames injected so far.</summary>
    public long Injected => Interlocked.Read(ref _injected);

    /// <summary>Sends skipped because <c>maxInFlight</c> injections were outstanding.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Injections waiting for their reply.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Until <paramref name="windowClosed"/>: every 5 ms, injects each send due since the call (send n falls due at n / rate,
    /// so send 0 goes out as the window opens, even when the first wait overruns a short window on a loaded machine),
    /// asking <paramref name="next"/> for its frame (null: nothing to send for that number). Returns when the window closes.
    /// </summary>
    public async Task RunAsync(Func<long, ForgedFrame?> next, CancellationToken windowClosed)
    {
        ArgumentNullException.ThrowIfNull(next);
        var opened = Stopwatch.GetTimestamp();
        long due = 0;
        do
        {
            for (var target = (long)(Stopwatch.GetElapsedTime(opened).TotalSeconds * _rate) + 1; due < target; due++)
            {
                if (Volatile.Read(ref _inFlight) >= _maxInFlight)
                {
                    Interlocked.Increment(ref _skipped);
                }
                else if (next(due) is { } frame)
                {
                    Interlocked.Increment(ref _inFlight);
                    Interlocked.Increment(ref _injected);
                    _ = SendAsync(frame);
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), _context.Time, windowClosed);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        while (!windowClosed.IsCancellationRequested);
    }

    /// <summary>Waits (in 5 ms steps, at most <paramref name="limit"/>) until every outstanding injection has its reply.</summary>
    public async Task DrainAsync(TimeSpan limit)
    {
        for (var i = 0; i < limit / TimeSpan.FromMilliseconds(5) && InFlight > 0; i++)
        {
            await Task.Delay(5, CancellationToken.None);
        }
    }

    private async Task SendAsync(ForgedFrame frame)
    {
        try
        {
            await _context.InjectFrameAsync(frame.Recipient, frame.Frame, frame.Action, frame.ClaimedSender, frame.Kind);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
