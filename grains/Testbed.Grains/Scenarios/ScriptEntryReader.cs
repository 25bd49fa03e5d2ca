using YamlDotNet.RepresentationModel;

namespace Testbed.Scenarios;

/// <summary>
/// The <c>script:</c> key of an attack or fault entry: reads the C# file (relative to the scenario's folder), has the
/// catalog compile it, and reports every compile error at its place in the script, naming the entry that asked for it.
/// </summary>
internal static class ScriptEntryReader
{
    /// <summary>The script and the kind it declares, or null after recording why (in the scenario or in the script).</summary>
    public static (ScriptSource Script, string Kind)? Read(YamlMappingReader r, ScenarioCatalog catalog, ScriptRole role, YamlNode node)
    {
        var loaded = Load(r, catalog, role, node);
        r.Sink.ScriptFailed |= loaded is null;
        return loaded;
    }

    private static (ScriptSource Script, string Kind)? Load(YamlMappingReader r, ScenarioCatalog catalog, ScriptRole role, YamlNode node)
    {
        var sink = r.Sink;
        if (YamlScalars.Text(sink, node, r.Name("script")) is not { } written)
        {
            return null;
        }

        if (written.Trim().Length == 0 || !written.EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
        {
            sink.Add(node, $"{r.Name("script")}: expected the path of a C# file (*.cs), relative to the scenario, found {YamlScalars.Quote(written)}");
            return null;
        }

        if (catalog.LoadScript is not { } load)
        {
            sink.Add(node, $"{r.Name("script")}: this catalog cannot load scripts");
            return null;
        }

        var folder = Path.GetDirectoryName(sink.File);
        var path = Path.Combine(string.IsNullOrEmpty(folder) ? "." : folder, written);
        string source;
        try
        {
            source = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            sink.Add(node, $"{r.Name("script")}: script file not found: {path}");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            sink.Add(node, $"{r.Name("script")}: cannot read script file {path}: {e.Message}");
            return null;
        }

        var script = ScriptSource.Of(path, source);
        var check = load(script, role);
        if (check.Errors.Count > 0 || check.Kind is null)
        {
            var entry = $"({r.Path} at {sink.File}:{r.Node.Start.Line}:{r.Node.Start.Column})";
            foreach (var error in check.Errors)
            {
                sink.AddIn(path, error.Line, error.Column, $"{error.Message} {entry}");
            }

            if (check.Errors.Count == 0)
            {
                sink.AddIn(path, 1, 1, $"the script declares no {role.ToString().ToLowerInvariant()} kind {entry}");
            }

            sink.Add(node, $"{r.Name("script")}: {written} does not compile ({Count(check.Errors.Count)}, listed at the script)");
            return null;
        }

        return (script, check.Kind);
    }

    private static string Count(int errors) => errors == 1 ? "1 error" : $"{errors} errors";
}
