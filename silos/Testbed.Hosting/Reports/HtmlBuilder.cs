using System.Globalization;
using System.Net;
using System.Text;

namespace Testbed.Hosting.Reports;

/// <summary>
/// A small HTML writer for the report: every piece of text goes through <see cref="E"/> (HTML-encoded, so a scenario
/// name or counterexample like <c>&lt;script&gt;</c> shows as text); only the report's own markup is written raw.
/// </summary>
internal sealed class HtmlBuilder
{
    private readonly StringBuilder _html = new();

    /// <summary>HTML-encodes <paramref name="text"/> for element content and quoted attribute values.</summary>
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A number with invariant formatting.</summary>
    public static string N(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A count with invariant formatting.</summary>
    public static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Milliseconds as "850 ms" or "2.4 s".</summary>
    public static string Duration(double ms) => ms < 1000 ? $"{N(ms, "0")} ms" : $"{N(ms / 1000, "0.0#")} s";

    /// <summary>An HTML id made of safe characters only.</summary>
    public static string Id(string prefix, string name)
    {
        var safe = new StringBuilder(prefix);
        foreach (var c in name)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        return safe.ToString();
    }

    /// <summary>Appends markup the report itself produced (never text from results).</summary>
    public HtmlBuilder Raw(string html)
    {
        _html.Append(html);
        return this;
    }

    /// <summary>Appends encoded text.</summary>
    public HtmlBuilder Text(string? text) => Raw(E(text));

    /// <summary>Appends <c>&lt;tag class="cls"&gt;text&lt;/tag&gt;</c> with <paramref name="text"/> encoded.</summary>
    public HtmlBuilder Element(string tag, string? text, string? cls = null) =>
        Raw($"<{tag}{Class(cls)}>").Text(text).Raw($"</{tag}>\n");

    /// <summary>
    /// Appends a table: <paramref name="headers"/> are text; each row gives its class and its cells as markup (build
    /// them with <see cref="E"/>).
    /// </summary>
    public HtmlBuilder Table(string? cls, IEnumerable<string> headers, IEnumerable<(string? Class, IReadOnlyList<string> Cells)> rows, string? id = null)
    {
        Raw($"<table{(id is null ? "" : $" id=\"{E(id)}\"")}{Class(cls)}><thead><tr>");
        foreach (var header in headers)
        {
            Raw("<th>").Text(header).Raw("</th>");
        }

        Raw("</tr></thead><tbody>\n");
        foreach (var (rowClass, cells) in rows)
        {
            Raw($"<tr{Class(rowClass)}>");
            foreach (var cell in cells)
            {
                Raw("<td>").Raw(cell).Raw("</td>");
            }

            Raw("</tr>\n");
        }

        return Raw("</tbody></table>\n");
    }

    /// <summary>Appends a two-column table of facts: names are text, values are markup.</summary>
    public HtmlBuilder Facts(IEnumerable<(string Name, string ValueHtml)> facts)
    {
        Raw("<table class=\"facts\"><tbody>\n");
        foreach (var (name, value) in facts)
        {
            Raw("<tr><th>").Text(name).Raw("</th><td>").Raw(value).Raw("</td></tr>\n");
        }

        return Raw("</tbody></table>\n");
    }

    /// <inheritdoc />
    public override string ToString() => _html.ToString();

    private static string Class(string? cls) => string.IsNullOrEmpty(cls) ? "" : $" class=\"{E(cls)}\"";
}
