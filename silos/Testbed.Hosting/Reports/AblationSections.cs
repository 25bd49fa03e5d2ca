using Testbed.Hosting.Ablation;
using static Testbed.Hosting.Reports.HtmlBuilder;

namespace Testbed.Hosting.Reports;

/// <summary>The ablation section of <c>report.html</c>: per defense configuration, layer removed × attack, as on the console.</summary>
internal static class AblationSections
{
    public static void Write(HtmlBuilder html, AblationReport report)
    {
        html.Raw("<section id=\"ablation\"><h2>Ablation: which layer stops which attack, and what it costs</h2>\n");
        var notExercised = report.Layers.Where(l => !l.Exercised).Select(l => l.Layer).ToArray();
        html.Raw($"<p class=\"verdict {(notExercised.Length == 0 ? "pass" : "fail")}\">")
            .Text(notExercised.Length == 0
                ? $"every layer removed ({string.Join(", ", report.Layers.Select(l => l.Layer))}) changed a cell"
                : $"not exercised by this suite: {string.Join(", ", notExercised)}")
            .Raw("</p>\n");
        html.Facts(
        [
            ("suite", $"<code>{E(report.Suite)}</code>"),
            ("runs", $"{N(report.Runs)} in {E(Duration(report.DurationMs))}"),
            ("baseline", report.BaselinePassed ? "every scenario passed with every layer" : "<span class=\"error\">a scenario failed with every layer present: its comparisons are suspect</span>"),
            ("left out", report.Skipped.Count == 0 ? "—" : E($"{string.Join(", ", report.Skipped)} (no layer to remove)")),
        ]);
        html.Raw("<p class=\"legend\">Each scenario runs with its own seed, once with every layer and once per layer removed; a layer that ")
            .Raw("others need takes them with it. A cell shows what changed: the worst outcome (<code>D→S</code>), succeeded ")
            .Raw("attempts appearing or moving by a quarter of the attempts (<code>S 0→12</code>), detections disappearing ")
            .Raw("(<code>D 10→0</code>), containment by the rate limiter lost; <code>—</code> nothing. ")
            .Raw("Goodput: with ÷ without the layer (0.90: it costs 10%).</p>\n");
        foreach (var group in report.Groups)
        {
            Group(html, group);
        }

        html.Raw("</section>\n");
    }

    private static void Group(HtmlBuilder html, AblationGroupResult group)
    {
        html.Raw("<h3>").Text(group.Label).Raw(" <span class=\"muted\">").Text(string.Join(", ", group.Layers)).Raw("</span></h3>\n");
        html.Raw("<p class=\"muted\">seeds: ")
            .Raw(string.Join(", ", group.Scenarios.Select(s => $"<a href=\"#{Id("s-", s.Name)}\">{E(s.Name)}</a> {N(s.Seed)}"
                + (s.PassedWithAllLayers ? "" : " <span class=\"error\">(failed with every layer)</span>"))))
            .Raw("</p>\n");
        var rows = group.Rows.Select(row => ((string?)(row.Exercised ? null : "fail"), (IReadOnlyList<string>)
        [
            E(row.Describe()),
            .. row.Cells.Select(Cell),
            Invariants(row),
            row.Goodput.Ratio is { } ratio ? $"<span title=\"{E(row.Goodput.Basis)}\">{N(ratio, "0.00")}</span>" : "<span class=\"none\">—</span>",
            row.FailedWithout.Count == 0 ? "<span class=\"none\">—</span>" : E(string.Join(", ", row.FailedWithout)),
            (row.Exercised ? "exercised" : "<strong>not exercised by this suite</strong>")
                + (row.Errors.Count == 0 ? "" : $"<div class=\"error\">{E(string.Join("; ", row.Errors))}</div>"),
        ]));
        html.Table("ablation", ["layer removed", .. group.Attacks, "invariants", "goodput ×", "scenarios failing", "verdict"], rows,
            id: Id("ablation-", group.Label));
    }

    // Per scenario: "ablate-x: money-conserved, at-most-once broken".
    private static string Invariants(AblationRow row) => row.Invariants.Count == 0
        ? "<span class=\"none\">—</span>"
        : string.Join("<br>", row.Invariants.GroupBy(i => i.Scenario).Select(g =>
            E($"{g.Key}: " + string.Join("; ", g.GroupBy(i => i.HeldWithout).Select(h => $"{string.Join(", ", h.Select(i => i.Invariant))} {(h.Key ? "holds" : "broken")}")))));

    private static string Cell(AblationCell cell)
    {
        if (cell.Without is not { } without)
        {
            return "<span class=\"error\">error</span>";
        }

        var counts = $"S·D·B·A {Counts(cell.Baseline)} → {Counts(without)}";
        if (!cell.Changed)
        {
            return $"<span class=\"none\" title=\"{E(counts)}\">—</span>";
        }

        var worse = without.Succeeded > cell.Baseline.Succeeded ? "succeeded" : "blocked";
        return $"<div class=\"cell {worse}\">{E(cell.Text)}</div><div class=\"via\">{E(counts)}</div>";
    }

    private static string Counts(VerdictCounts c) => $"{N(c.Succeeded)}·{N(c.Detected)}·{N(c.Blocked)}·{N(c.Absorbed)}";
}
