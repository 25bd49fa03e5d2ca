using System.Globalization;
using Spectre.Console;
using Testbed.Cli.Commands;

namespace Testbed.Cli.Rendering;

/// <summary>The tables <c>testbed list</c> prints (without <c>--json</c>).</summary>
internal static class ListTables
{
    /// <summary>Writes <paramref name="items"/> (one of <see cref="ListModel"/>'s lists) as a table.</summary>
    public static void Write(IAnsiConsole console, string category, object items)
    {
        switch (items)
        {
            case IReadOnlyList<KindItem> kinds:
                console.Write(Kinds(kinds, attacks: category == "attacks"));
                break;
            case IReadOnlyList<DefenseItem> defenses:
                console.Write(Table(["layer", "options (default)", "description"],
                    defenses.Select(d => new[] { d.Name, Lines(d.Options.Select(o => o.Default is null ? o.Name : $"{o.Name} ({o.Default})")), d.Description })));
                break;
            case IReadOnlyList<PresetItem> presets:
                console.Write(Table(["preset", "layers (options set)", "description"],
                    presets.Select(p => new[] { p.Name, p.Layers.Count == 0 ? "—" : Lines(p.Layers.Select(Layer)), p.Description })));
                break;
            case IReadOnlyList<InvariantItem> invariants:
                console.Write(Table(["invariant", "description"], invariants.Select(i => new[] { i.Name, i.Description })));
                break;
            default:
                throw new ArgumentException($"nothing to list in a {items.GetType().Name}", nameof(items));
        }
    }

    private static Table Kinds(IReadOnlyList<KindItem> kinds, bool attacks)
    {
        string[] columns = attacks ? ["attack", "CAPEC", "ATT&CK", "capabilities", "options (default, range)", "description"] : ["fault", "options (default, range)", "description"];
        var table = Table(columns, kinds.Select(k =>
        {
            var options = Lines(k.Options.Select(Option)) + (k.Requires is null ? "" : $"\nrequires: {k.Requires}");
            var kind = k.Script is null ? k.Kind : $"{k.Kind}\n(script: {Path.GetRelativePath(Environment.CurrentDirectory, k.Script)})";
            return attacks
                ? new[] { kind, k.Capec ?? "—", k.Mitre ?? "—", string.Join(", ", k.Capabilities ?? []), options, k.Description }
                : [kind, options, k.Description];
        }));
        return table.Caption("options as read with none given: those read only under another option's value are not shown");
    }

    private static string Option(OptionItem o)
    {
        var detail = o.Type switch
        {
            "integer" or "number" => $"{(o.Default.Length == 0 ? "none" : o.Default)}, {Number(o.Min)}..{Number(o.Max)}",
            "choice" => $"{o.Default}: {string.Join(" | ", o.Choices)}",
            _ => o.Default.Length == 0 ? "none" : o.Default,
        };
        return $"{o.Name} {o.Type} ({detail})";
    }

    private static string Layer(PresetLayerItem l) =>
        l.Options.Count == 0 ? l.Name : $"{l.Name} ({string.Join(", ", l.Options.Select(o => $"{o.Key}: {o.Value}"))})";

    private static string Number(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static string Lines(IEnumerable<string> lines) => string.Join("\n", lines) is { Length: > 0 } text ? text : "—";

    private static Table Table(IReadOnlyList<string> columns, IEnumerable<string[]> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(Markup.Escape(column));
        }

        foreach (var row in rows)
        {
            table.AddRow([.. row.Select(cell => new Text(cell))]);
        }

        return table;
    }
}
