using Testbed.Hosting.Runs;
using static Testbed.Hosting.Reports.HtmlBuilder;

namespace Testbed.Hosting.Reports;

/// <summary>The body of a run or suite report: summary, attack × defense matrix, and one section per scenario.</summary>
internal static class RunSections
{
    public static void Summary(HtmlBuilder html, IReadOnlyList<ScenarioResult> results)
    {
        html.Raw("<section id=\"summary\"><h2>Scenarios</h2>\n");
        var rows = results.Select(r => ((string?)(r.Passed ? "pass" : "fail"), (IReadOnlyList<string>)
        [
            $"<a href=\"#{Id("s-", r.Name)}\">{E(r.Name)}</a>", N(r.Seed), E(r.DescribeDefenses()), N(r.Operations.Invoked), N(r.GoodputPerSec, "0.0"),
            N(r.LatencyMs.P50, "0.00"), N(r.LatencyMs.P99, "0.00"), N(r.SecurityEvents.Total),
            $"{r.Invariants.Count(i => i.Holds)}/{r.Invariants.Count}", Verdict(r),
        ]));
        html.Table("summary", ["scenario", "seed", "defenses", "ops", "goodput/s", "p50 ms", "p99 ms", "events", "invariants", "result"], rows);
        html.Raw("</section>\n");
    }

    /// <summary>The attack × defense matrix with colored cells, as the console prints it (S · D · B · A).</summary>
    public static void Matrix(HtmlBuilder html, IReadOnlyList<ScenarioResult> results)
    {
        var matrix = AttackMatrix.From(results);
        if (matrix.IsEmpty)
        {
            return;
        }

        html.Raw("<section id=\"matrix\"><h2>Attack × defense</h2>\n<p class=\"legend\">attempts summed over the scenarios of each cell: ")
            .Raw("<span class=\"cell succeeded\">S succeeded</span> <span class=\"cell detected\">D detected</span> ")
            .Raw("<span class=\"cell blocked\">B blocked</span> <span class=\"cell absorbed\">A absorbed</span> ")
            .Raw("(a cell takes the color of its worst outcome)</p>\n");
        var rows = matrix.Attacks.Select(attack => ((string?)null, (IReadOnlyList<string>)
            [E(attack), .. matrix.Columns.Select(column => Cell(matrix[attack, column]))]));
        html.Table("matrix", ["attack", .. matrix.Columns], rows, id: "attack-matrix");
        html.Raw("</section>\n");
    }

    private static string Cell(MatrixCell? cell)
    {
        if (cell is null)
        {
            return "<span class=\"none\">·</span>";
        }

        var outcome = cell.Outcome.ToString().ToLowerInvariant();
        var links = string.Join(" ", cell.Scenarios.Select(s => $"<a href=\"#{Id("s-", s)}\">{E(s)}</a>"));
        return $"<div class=\"cell {outcome}\" title=\"{E(outcome)}\">S {N(cell.Succeeded)} · D {N(cell.Detected)} · B {N(cell.Blocked)} · A {N(cell.Absorbed)}</div>" +
               $"<div class=\"via\">{links}</div>";
    }

    public static void Scenario(HtmlBuilder html, ScenarioResult r, int index)
    {
        var id = Id("s-", r.Name);
        html.Raw($"<section class=\"scenario {(r.Passed ? "pass" : "fail")}\" id=\"{id}\">\n<h2>").Text(r.Name).Raw(" ").Raw(Verdict(r)).Raw("</h2>\n");
        if (!string.IsNullOrWhiteSpace(r.Description))
        {
            html.Element("p", r.Description, "description");
        }

        if (r.Error is not null)
        {
            html.Raw("<p class=\"error\"><strong>The run did not complete:</strong> ").Text(r.Error).Raw("</p>\n");
        }

        html.Facts(Facts(r));
        Expectations(html, r);
        var goodput = TimelineCharts.Goodput(r, $"chart-goodput-{index}");
        var latency = TimelineCharts.Latency(r, $"chart-latency-{index}");
        html.Raw("<div class=\"charts\">\n");
        html.Raw(goodput ?? "<p class=\"muted\">No timeline: the workload did not run.</p>").Raw("\n");
        html.Raw(latency ?? "").Raw("\n</div>\n");
        Invariants(html, r);
        Attacks(html, r);
        Faults(html, r);
        Detections(html, r);
        html.Raw("</section>\n");
    }

    private static IEnumerable<(string, string)> Facts(ScenarioResult r)
    {
        var ops = r.Operations;
        yield return ("seed", N(r.Seed));
        yield return ("reproduce", $"<code>{E(ReportCommand.Quote(["testbed", "run", r.Source]))}</code>");
        yield return ("started", E(r.StartedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture)) + $" · {N(r.Silos)} silos · storage {E(r.Storage.Provider)}");
        yield return ("operations", $"{N(ops.Invoked)} invoked: {N(ops.Ok)} ok, {N(ops.Fail)} fail, {N(ops.Info)} info" + (ops.Retries > 0 ? $" ({N(ops.Retries)} retries)" : ""));
        yield return ("goodput", $"{N(r.GoodputPerSec, "0.0")} ops/s over {Duration(r.DurationMs)}");
        yield return ("latency", $"p50 {N(r.LatencyMs.P50, "0.00")} ms · p90 {N(r.LatencyMs.P90, "0.00")} ms · p99 {N(r.LatencyMs.P99, "0.00")} ms · max {N(r.LatencyMs.Max, "0.00")} ms");
        yield return ("defenses", E(r.DescribeDefenses()));
        yield return ("wire", $"{N(r.Wire.Requests)} requests, {N(r.Wire.Replies)} replies, {N(r.Wire.Bytes / 1024.0, "0")} KiB · dropped {N(r.Wire.Dropped)}, delayed {N(r.Wire.Delayed)}, "
                              + $"replaced {N(r.Wire.Replaced)}, duplicated {N(r.Wire.Duplicated)}, injected {N(r.Wire.Injected)}");
        yield return ("security events", r.SecurityEvents.Total == 0 ? "0" : $"{N(r.SecurityEvents.Total)}: " + E(string.Join(", ",
            r.SecurityEvents.ByLayer.SelectMany(l => l.Value.Select(x => $"{l.Key}/{x.Key} {x.Value}")))));
        yield return ("source", $"<code>{E(r.Source)}</code>");
    }

    private static void Expectations(HtmlBuilder html, ScenarioResult r)
    {
        html.Raw("<h3>Expectations</h3>\n");
        var rows = r.Expectations.Select(e => ((string?)(e.Passed ? "pass" : "fail"), (IReadOnlyList<string>)
            [E(e.Name), e.Passed ? "<span class=\"badge pass\">held</span>" : "<span class=\"badge fail\">FAILED</span>", E(e.Detail)]));
        html.Table("expectations", ["expectation", "verdict", "detail"], rows);
    }

    private static void Invariants(HtmlBuilder html, ScenarioResult r)
    {
        if (r.Invariants.Count == 0)
        {
            return;
        }

        html.Raw("<h3>Invariants</h3>\n");
        var rows = r.Invariants.Select(i => ((string?)(i.Holds ? "pass" : "fail"), (IReadOnlyList<string>)
        [
            E(i.Name), E(i.Description), i.Holds ? "<span class=\"badge pass\">holds</span>" : "<span class=\"badge fail\">VIOLATED</span>",
            i.Counterexamples.Count == 0 ? "" : "<ul class=\"counterexamples\">" + string.Concat(i.Counterexamples.Select(c => $"<li><code>{E(c)}</code></li>")) + "</ul>",
        ]));
        html.Table("invariants", ["invariant", "holds when", "verdict", "counterexamples"], rows);
    }

    private static void Attacks(HtmlBuilder html, ScenarioResult r)
    {
        if (r.Attacks.Count == 0)
        {
            return;
        }

        html.Raw("<h3>Attacks</h3>\n");
        var rows = r.Attacks.Select(a => ((string?)(a.Succeeded > 0 ? "fail" : null), (IReadOnlyList<string>)
        [
            E(AttackMatrix.RowOf(a)), E(a.Capec + (a.Mitre is null ? "" : " / " + a.Mitre)), $"{N(a.StartMs / 1000)}–{N(a.StopMs / 1000)} s", N(a.Attempts),
            Count(a.Succeeded, "succeeded"), Count(a.Detected, "detected"), Count(a.Blocked, "blocked"), Count(a.Absorbed, "absorbed"),
            a.MttdMs is { } mttd ? Duration(mttd) : "–", a.ContainmentMs is { } c ? Duration(c) : "–",
            E(string.Join(", ", a.Details.Select(d => $"{d.Key} {N(d.Value)}"))) + Errors(a.Errors) + Slow(a.SlowHooks),
        ]));
        html.Table("attacks", ["attack", "CAPEC / ATT&CK", "window", "attempts", "succeeded", "detected", "blocked", "absorbed", "MTTD", "containment", "details"], rows);
    }

    private static void Faults(HtmlBuilder html, ScenarioResult r)
    {
        if (r.Faults.Count == 0)
        {
            return;
        }

        html.Raw("<h3>Faults</h3>\n");
        var rows = r.Faults.Select(f => ((string?)(f.Errors.Count > 0 ? "fail" : null), (IReadOnlyList<string>)
        [
            E(f.Kind), $"{N(f.StartMs / 1000)}–{N(f.StopMs / 1000)} s", E(f.Targets), N(f.Injected), f.Opened ? "yes" : "no",
            E(string.Join(", ", f.Actions.Select(a => $"{a.What} @{N((f.StartMs + a.AtMs) / 1000)} s"))) + Errors(f.Errors) + Slow(f.SlowHooks),
        ]));
        html.Table("faults", ["fault", "window", "targets", "injected", "opened", "actions"], rows);
    }

    private static void Detections(HtmlBuilder html, ScenarioResult r)
    {
        if (r.Detections.Count == 0)
        {
            return;
        }

        var shown = r.Detections.Take(200).ToArray();
        html.Raw($"<details class=\"detections\"><summary>Detections: the first {N(shown.Length)} of {N(r.SecurityEvents.Total)} security events</summary>\n");
        html.Table("detections", ["at", "layer", "reason", "claimed sender", "recipient"], shown.Select(d => ((string?)null, (IReadOnlyList<string>)
            [$"{N(d.AtMs / 1000, "0.000")} s", E(d.Layer), E(d.Reason), E(d.ClaimedSender), E(d.Recipient)])));
        html.Raw("</details>\n");
    }

    private static string Count(long value, string outcome) => value == 0 ? "0" : $"<span class=\"n {outcome}\">{N(value)}</span>";

    private static string Errors(IReadOnlyList<string> errors) =>
        errors.Count == 0 ? "" : "<div class=\"error\">" + string.Join("<br>", errors.Select(e => "error: " + E(e))) + "</div>";

    private static string Slow(IReadOnlyList<Testbed.Attacks.Api.SlowHook> slowHooks) =>
        slowHooks.Count == 0 ? "" : $"<div class=\"slow-hooks\">{E(SlowHookText.Of(slowHooks))}</div>";

    private static string Verdict(ScenarioResult r) =>
        r.Passed ? "<span class=\"badge pass\">PASS</span>" : "<span class=\"badge fail\">FAIL</span>";
}
