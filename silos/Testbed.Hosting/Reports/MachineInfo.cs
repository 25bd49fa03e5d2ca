using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Testbed.Hosting.Reports;

/// <summary>A one-line description of the machine a benchmark ran on: CPU model, cores, RAM, OS, .NET, GC mode.</summary>
public static class MachineInfo
{
    /// <summary>E.g. <c>Intel(R) Xeon(R) … · 2 logical cores · 23.4 GiB RAM · Ubuntu 24.04 · .NET 10.0.12 · workstation GC (concurrent)</c>.</summary>
    public static string Describe()
    {
        var gc = GCSettings.IsServerGC ? "server GC" : "workstation GC";
        var concurrent = GCSettings.LatencyMode == GCLatencyMode.Batch ? "" : " (concurrent)";
        return string.Join(" · ",
            CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
            $"{Environment.ProcessorCount} logical cores",
            $"{MemoryGiB().ToString("F1", CultureInfo.InvariantCulture)} GiB RAM",
            RuntimeInformation.OSDescription,
            $".NET {Environment.Version}",
            gc + concurrent);
    }

    /// <summary>The 1-, 5- and 15-minute load averages (<c>/proc/loadavg</c>), or null where there is none.</summary>
    public static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? CpuModel() => ProcLine("/proc/cpuinfo", "model name");

    private static double MemoryGiB()
    {
        // /proc/meminfo: "MemTotal:  24567890 kB"; elsewhere the GC's view of available memory.
        var kb = ProcLine("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return long.TryParse(kb, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value / 1024.0 / 1024.0
            : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024.0 / 1024.0;
    }

    private static string? ProcLine(string path, string key)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            var colon = line?.IndexOf(':', StringComparison.Ordinal) ?? -1;
            return colon < 0 ? null : line![(colon + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
