using Testbed.History;

namespace Testbed.Attacks.Api;

/// <summary>
/// What an attack's window did to legitimate clients, measured from the history: goodput (ok completions per second)
/// and p99 latency of operations inside the window versus outside it (before and after). The measure a denial-of-service
/// attack is judged by. Times are on the history's clock (<see cref="HistoryOp.TimeMicros"/>).
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

        var (okIn, okOut, latencies, invoked) = (0, 0, new List<(bool In, double Ms)>(), new Dictionary<int, Queue<long>>());
        foreach (var o in ops)
        {
            if (o.Type == OpType.Invoke)
            {
                (invoked.TryGetValue(o.Process, out var q) ? q : invoked[o.Process] = new()).Enqueue(o.TimeMicros);
            }
            else if (invoked.TryGetValue(o.Process, out var q) && q.TryDequeue(out var t))
            {
                latencies.Add((Inside(t), (o.TimeMicros - t) / 1000.0));
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

        return new WindowImpact(start, stop, inSec, outSec > 0 ? okOut / outSec : 0, inSec > 0 ? okIn / inSec : 0,
            P99(latencies, inside: false), P99(latencies, inside: true));
    }

    private static double P99(List<(bool In, double Ms)> latencies, bool inside)
    {
        var sorted = latencies.Where(l => l.In == inside).Select(l => l.Ms).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Max(0, (int)Math.Ceiling(sorted.Length * 0.99) - 1)];
    }
}
