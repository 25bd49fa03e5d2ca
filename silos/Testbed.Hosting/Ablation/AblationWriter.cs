using System.Text.Json;
using Testbed.Hosting.Runs;

namespace Testbed.Hosting.Ablation;

/// <summary>Writes <c>ablation.json</c> (camelCase, as every result file: see README, "Ablation").</summary>
public static class AblationWriter
{
    /// <summary>The file name inside the results folder.</summary>
    public const string FileName = "ablation.json";

    /// <summary>Writes <paramref name="report"/> to <c><paramref name="outDir"/>/ablation.json</c>; returns its path.</summary>
    public static string Write(AblationReport report, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, FileName);
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            JsonSerializer.Serialize(stream, report, ResultWriter.Json);
        }

        File.Move(temp, path, overwrite: true);
        return path;
    }
}
