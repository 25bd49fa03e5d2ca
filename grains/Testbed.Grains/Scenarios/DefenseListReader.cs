using YamlDotNet.RepresentationModel;

namespace Testbed.Scenarios;

/// <summary>
/// Reads <c>defenses:</c>: each entry is a name (<c>- encrypt</c>) or a mapping with <c>name</c> and the layer's options
/// (<c>- {name: session, rekeyAfterMessages: 1000}</c>). Names must be in the catalog and appear once; the catalog's
/// checks judge each entry's options and the combination.
/// </summary>
internal static class DefenseListReader
{
    public static IReadOnlyList<DefenseSpec> Read(ScenarioErrorSink sink, YamlSequenceNode? node, ScenarioCatalog catalog)
    {
        var specs = new List<DefenseSpec>();
        if (node is null)
        {
            return specs;
        }

        var before = sink.Count;
        var index = 0;
        foreach (var item in node.Children)
        {
            var path = $"defenses[{index++}]";
            var spec = item switch
            {
                YamlScalarNode => YamlScalars.Text(sink, item, path) is { } name ? new DefenseSpec { Name = name, Line = Line(item), Column = Column(item) } : null,
                YamlMappingNode mapping => ReadMapping(sink, mapping, path),
                _ => Fail(sink, item, $"{path}: expected a defense name or a mapping with 'name' and options, found {YamlScalars.Describe(item)}"),
            };
            if (spec is null)
            {
                continue;
            }

            if (!catalog.IsDefense(spec.Name))
            {
                sink.Add(item, $"{path}: unknown defense {YamlScalars.Quote(spec.Name)}; {ScenarioReader.Known("defense", catalog.Defenses)}");
            }
            else if (specs.Any(s => s.Name == spec.Name))
            {
                sink.Add(item, $"{path}: defense '{spec.Name}' is listed twice");
            }
            else if (catalog.CheckDefense?.Invoke(spec) is { } problem)
            {
                sink.Add(item, $"{path} ({spec.Name}): {problem}");
            }
            else
            {
                specs.Add(spec);
            }
        }

        if (sink.Count == before && catalog.CheckDefenseList?.Invoke(specs) is { } listProblem)
        {
            sink.Add(node, $"defenses: {listProblem}");
        }

        return specs;
    }

    private static DefenseSpec? ReadMapping(ScenarioErrorSink sink, YamlMappingNode mapping, string path)
    {
        var r = new YamlMappingReader(sink, mapping, path, allowedKeys: null);
        var nameNode = r.Required("name");
        var name = nameNode is null ? null : YamlScalars.Text(sink, nameNode, r.Name("name"));
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var ok = name is not null;
        foreach (var (key, value) in r.Entries)
        {
            if (key.Value == "name")
            {
                continue;
            }

            if (value is YamlScalarNode { Value: var text })
            {
                options[key.Value!] = YamlScalars.IsNull(value) ? "" : text ?? "";
            }
            else
            {
                sink.Add(value, $"{r.Name(key.Value!)}: option values must be scalars, found {YamlScalars.Describe(value)}");
                ok = false;
            }
        }

        return ok ? new DefenseSpec { Name = name!, Options = options.AsReadOnly(), Line = Line(mapping), Column = Column(mapping) } : null;
    }

    private static DefenseSpec? Fail(ScenarioErrorSink sink, YamlNode node, string message)
    {
        sink.Add(node, message);
        return null;
    }

    private static int Line(YamlNode node) => (int)node.Start.Line;

    private static int Column(YamlNode node) => (int)node.Start.Column;
}
