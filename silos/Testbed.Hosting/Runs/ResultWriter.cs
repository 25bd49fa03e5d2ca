using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Testbed.Hosting.Runs;

/// <summary>Writes a run's results: <c>DIR/&lt;scenario&gt;/result.json</c> and <c>DIR/&lt;scenario&gt;/history.jsonl</c>.</summary>
public static class ResultWriter
{
    /// <summary>The JSON settings of every result file: camelCase, enums as camelCase strings, indented.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // files, not HTML: keep '>' and quotes in counterexamples readable
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Writes <paramref name="result"/> under <paramref name="outDir"/>; returns the scenario's folder.</summary>
    public static string Write(ScenarioResult result, string outDir)
    {
        var dir = Path.Combine(outDir, result.Name);
        Directory.CreateDirectory(dir);
        WriteAtomically(Path.Combine(dir, "history.jsonl"), stream => History.History.WriteJsonLines(result.History, stream));
        WriteAtomically(Path.Combine(dir, "result.json"), stream => JsonSerializer.Serialize(stream, result, Json));
        return dir;
    }

    /// <summary>Writes the suite summary (<c>DIR/summary.json</c>): one line per scenario.</summary>
    public static void WriteSummary(IReadOnlyList<ScenarioResult> results, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var summary = new
        {
            passed = results.All(r => r.Passed),
            scenarios = results.Select(r => new { r.Name, r.Seed, r.Passed, r.GoodputPerSec, r.LatencyMs, r.Error }).ToArray(),
        };
        WriteAtomically(Path.Combine(outDir, "summary.json"), stream => JsonSerializer.Serialize(stream, summary, Json));
    }

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            write(stream);
        }

        File.Move(temp, path, overwrite: true);
    }
}
