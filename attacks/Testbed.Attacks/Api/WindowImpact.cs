using Testbed.History;

namespace Testbed.Attacks.Api;

/// <summary>
/// What an attack's window did to legitimate clients, measured from the history: goodput (ok completions per second)
/// and the median and p99 latency of operations inside the window versus outside it (before and after). The measure a
/// denial-of-service attack is judged by. Times are on the history's clock (<see cref="HistoryOp.TimeMicros"/>); an
/// operation's latency and whether it falls inside the window count from its intended start in an open loop
/// (<see cref="HistoryOp.IntendedMicros"/>), so a client that fell behind its schedule does not hide a stall.
/// </summary>
/// <param name="StartMicros">Where the window opened on the history's clock (the history's end if it never opened).</param>
/// <param name="StopMicros">Where it closed, clipped to the history's end.</param>
/// <param name="InsideSeconds">The window's length within the history.</param>
/// <param name="GoodputOutside">Ok completions per second outside the window.</param>
/// <param name="GoodputInside">Ok completions per second inside it.</param>
/// <param name="P99OutsideMs">p99 latency of operations invoked outside the window (0 without any).</param>
/// <param name="P99InsideMs">p99 latency of operations invoked inside it (0 without any).</param>
public sealed record WindowImpact(double StartMicros, double StopMicros, double InsideSeconds,
    double GoodputOutside, double GoodputInside, double P99OutsideMs, double P99InsideMs)
{
    /// <summary>Median latency of operations invoked outside the window (0 without any).</summary>
    public double P50OutsideMs { get; init; }

    /// <summary>Median latency of operations invoked inside the window (0 without any).</summary>
    public double P50InsideMs { get; init; }

    /// <summary>Median latency of operations invoked before the window opened (0 without any).</summary>
    public double P50BeforeMs { get; init; }

    /// <summary>Median latency of operations invoked after the window closed (0 without any).</summary>
    public double P50AfterMs { get; init; }

    /// <summary>Operations invoked inside the window and completed (the latencies measured there).</summary>
    public int CompletedInside { get; init; }

    /// <summary>
    /// The typical latency undisturbed by the window: the lower of the medians before and after it, of a side that holds at
    /// least <see cref="MinSideOperations"/> operations (else of everything outside; 0 without any). Before carries the
    /// run's cold start (first contact: activations, keys, handshakes), after carries the drain of whatever backlog the
    /// window left; the lower one is the less disturbed.
    /// </summary>
    public double P50BaselineMs { get; init; }

    /// <summary>Operations a side of the window must hold to count for <see cref="P50BaselineMs"/>.</summary>
    public const int MinSideOperations = 10;

    /// <summary>
    /// Measures the judgement's window. A warm-up phase (order ids "w-…", run first on its own clock) is left out; each
    /// completion pairs with its process's oldest open invocation.
    /// </summary>
    public static WindowImpact Measure(AttackJudgement judgement)
    {
        ArgumentNullException.ThrowIfNull(judgement);
        var warm = judgement.History.LastOrDefault(o => o.Transfer?.OrderId.StartsWith("w-", StringComparison.Ordinal) == true);
        var ops = judgement.History.Where(o => o.Index > (warm?.Index ?? -1)).ToArray();
        var end = ops.Length == 0 ? 0 : ops.Max(o => o.TimeMicros);
        var opened = judgement.WindowOpenedAt;
        var (start, stop) = opened is { } at
            ? (judgement.HistoryMicros(at), Math.Min(judgement.WindowClosedAt is { } to ? judgement.HistoryMicros(to) : end, end))
            : (end, end);
        var (inSec, outSec) = (Math.Max(0, stop - start) / 1e6, (end - Math.Max(0, stop - start)) / 1e6);
        bool Inside(double micros) => opened is not null && micros >= start && micros <= stop;
        int Side(double micros) => opened is null || micros < start ? -1 : micros <= stop ? 0 : 1; // before, inside, after

        var (okIn, okOut, latencies, invoked) = (0, 0, new List<(int Side, double Ms)>(), new Dictionary<int, Queue<long>>());
        foreach (var o in ops)
        {
            if (o.Type == OpType.Invoke)
            {
                (invoked.TryGetValue(o.Process, out var q) ? q : invoked[o.Process] = new()).Enqueue(o.IntendedMicros ?? o.TimeMicros);
            }
            else if (invoked.TryGetValue(o.Process, out var q) && q.TryDequeue(out var t))
            {
                latencies.Add((Side(t), (o.TimeMicros - t) / 1000.0));
            }

            if (o.Type == OpType.Ok && Inside(o.TimeMicros))
            {
                okIn++;
            }
            else if (o.Type == OpType.Ok)
            {
                okOut++;
            }
        }

        var (before, inside, after) = (Sorted(latencies, s => s < 0), Sorted(latencies, s => s == 0), Sorted(latencies, s => s > 0));
        var outside = Sorted(latencies, s => s != 0);
        var sides = new[] { before, after }.Where(x => x.Length >= MinSideOperations).Select(x => Percentile(x, 0.5)).ToArray();
        return new WindowImpact(start, stop, inSec, outSec > 0 ? okOut / outSec : 0, inSec > 0 ? okIn / inSec : 0,
            Percentile(outside, 0.99), Percentile(inside, 0.99))
        {
            P50OutsideMs = Percentile(outside, 0.5), P50InsideMs = Percentile(inside, 0.5), CompletedInside = inside.Length,
            P50BeforeMs = Percentile(before, 0.5), P50AfterMs = Percentile(after, 0.5),
            P50BaselineMs = sides.Length > 0 ? sides.Min() : Percentile(outside, 0.5),
        };
    }

    private static double[] Sorted(List<(int Side, double Ms)> latencies, Func<int, bool> where) =>
        latencies.Where(l => where(l.Side)).Select(l => l.Ms).Order().ToArray();

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[Math.Max(0, (int)Math.Ceiling(sorted.Length * q) - 1)];
}
