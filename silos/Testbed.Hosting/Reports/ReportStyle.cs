namespace Testbed.Hosting.Reports;

/// <summary>The report's style sheet (inline in every report). Matrix colors follow the console's.</summary>
internal static class ReportStyle
{
    public const string Css = """
        :root { --pass: #2e7d32; --fail: #c62828; --muted: #6b6b6b; --line: #ddd; }
        * { box-sizing: border-box; }
        body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #1d1d1d; margin: 0; padding: 16px 24px 48px; max-width: 1280px; }
        h1 { font-size: 22px; margin: 4px 0 6px; }
        h2 { font-size: 18px; margin: 28px 0 8px; padding-top: 8px; border-top: 2px solid var(--line); }
        h3 { font-size: 15px; margin: 16px 0 6px; }
        code, pre { font: 12.5px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; }
        pre.command { margin: 0; padding: 6px 10px; background: #f4f4f4; border: 1px solid var(--line); border-radius: 4px; white-space: pre-wrap; word-break: break-all; }
        table { border-collapse: collapse; margin: 6px 0 10px; }
        th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
        thead th { background: #f4f4f4; font-weight: 600; }
        table.facts th { background: #fafafa; font-weight: 600; white-space: nowrap; }
        table.summary td:nth-child(n+4):not(:last-child) { text-align: right; }
        tr.fail td { background: #fdecea; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700; color: #fff; vertical-align: middle; }
        .badge.pass { background: var(--pass); }
        .badge.fail { background: var(--fail); }
        .verdict { font-size: 16px; font-weight: 700; margin: 0 0 10px; }
        .verdict.pass { color: var(--pass); }
        .verdict.fail { color: var(--fail); }
        .error { color: var(--fail); }
        .slow-hooks { color: #8a6d00; }
        .muted, .none, .via, .legend { color: var(--muted); }
        .via { font-size: 11px; margin-top: 2px; }
        .via a { color: var(--muted); }
        table.matrix td { min-width: 150px; }
        table.ablation td { min-width: 70px; }
        .cell { display: inline-block; padding: 3px 8px; border-radius: 3px; font-weight: 600; white-space: nowrap; }
        .cell.succeeded { background: #e53935; color: #fff; }
        .cell.detected { background: #43a047; color: #fff; }
        .cell.blocked { background: #fdd835; color: #1d1d1d; }
        .cell.absorbed, .cell.empty { background: #bdbdbd; color: #1d1d1d; }
        .n.succeeded { color: var(--fail); font-weight: 700; }
        .n.detected { color: var(--pass); font-weight: 700; }
        ul.counterexamples { margin: 0; padding-left: 18px; }
        ul.counterexamples code { white-space: pre-wrap; word-break: break-word; }
        .charts { display: flex; flex-direction: column; gap: 8px; margin: 10px 0; }
        svg.chart { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
        details.detections { margin: 8px 0; }
        details summary { cursor: pointer; color: #0d47a1; }
        .toggle { display: inline-block; margin: 8px 0; user-select: none; }
        body.only-failed section.scenario.pass, body.only-failed table.summary tr.pass { display: none; }
        p.notes { color: var(--muted); }
        """;
}
