namespace Testbed.Scenarios;

/// <summary>
/// Loads scenario files strictly: every problem is reported as a <see cref="ScenarioError"/>
/// (<c>file:line:column: message</c>), all of a file's problems together in one <see cref="ScenarioException"/>.
/// </summary>
public static class ScenarioLoader
{
    /// <summary>Reads and validates the scenario file at <paramref name="path"/>.</summary>
    /// <exception cref="ScenarioException">The file is missing, unreadable or invalid.</exception>
    public static Scenario LoadFile(string path, ScenarioCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(catalog);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ScenarioException(new ScenarioError(path, 1, 1, "scenario file not found"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ScenarioException(new ScenarioError(path, 1, 1, $"cannot read scenario file: {e.Message}"));
        }

        return Parse(text, path, catalog);
    }

    /// <summary>Validates scenario text; <paramref name="sourceName"/> names it in errors and in <see cref="Scenario.SourcePath"/>.</summary>
    /// <exception cref="ScenarioException">The text is not a valid scenario.</exception>
    public static Scenario Parse(string yaml, string sourceName, ScenarioCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(catalog);

        var sink = new ScenarioErrorSink(sourceName);
        var root = YamlDocumentReader.ReadRoot(yaml, sink);
        var scenario = root is null ? null : ScenarioReader.Read(sink, root, catalog);
        sink.ThrowIfAny();
        return scenario ?? throw new InvalidOperationException("Scenario reading failed without recording an error.");
    }

    /// <summary>
    /// The full paths of the <c>*.yaml</c> and <c>*.yml</c> files directly in <paramref name="folder"/>, sorted ordinally.
    /// </summary>
    /// <exception cref="ScenarioException">The folder does not exist or holds no scenario file.</exception>
    public static IReadOnlyList<string> FindSuite(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new ScenarioException(new ScenarioError(folder, 1, 1, "scenario folder not found"));
        }

        var files = Directory.EnumerateFiles(folder)
            .Where(IsScenarioFile)
            .Select(Path.GetFullPath)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            throw new ScenarioException(new ScenarioError(folder, 1, 1, "scenario folder holds no *.yaml or *.yml file"));
        }

        return files.AsReadOnly();
    }

    private static bool IsScenarioFile(string path)
    {
        var extension = Path.GetExtension(path);
        return extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase)
            || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase);
    }
}
