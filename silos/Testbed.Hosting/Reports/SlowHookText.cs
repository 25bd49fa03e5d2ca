using System.Globalization;
using Testbed.Attacks.Api;

namespace Testbed.Hosting.Reports;

/// <summary>The one-line account of an attack's or fault's slow hooks, shared by the console table and the HTML report.</summary>
public static class SlowHookText
{
    /// <summary>
    /// E.g. <c>slow hooks (&gt; 5 ms): observe 12× (worst 23.4 ms), intercept 1× (worst 6.1 ms)</c>; empty when no hook was slow.
    /// </summary>
    public static string Of(IReadOnlyList<SlowHook> slowHooks)
    {
        ArgumentNullException.ThrowIfNull(slowHooks);
        return slowHooks.Count == 0
            ? ""
            : string.Create(CultureInfo.InvariantCulture, $"slow hooks (> {SlowHook.ThresholdMs:0.##} ms): ")
              + string.Join(", ", slowHooks.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Hook} {h.Count}× (worst {h.WorstMs:0.#} ms)")));
    }
}
