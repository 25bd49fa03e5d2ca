using System.Globalization;

namespace Testbed.Hosting.Cluster.Processes;

/// <summary>
/// CPU time of this process and every process below it (silo processes, the redis guard and redis-server), from
/// <c>/proc/&lt;pid&gt;/stat</c> (user + system time, in clock ticks of 1/100 s: Linux's USER_HZ). A process that ended
/// takes its time with it, so measure across windows in which none ends (the benchmark's: no faults).
/// </summary>
public static class ProcessTreeCpu
{
    private const double TicksPerSecond = 100;

    /// <summary>The tree's CPU time so far; this process's own time when /proc cannot be read (not Linux).</summary>
    public static TimeSpan OfThisTree()
    {
        var self = Environment.ProcessId;
        if (!Directory.Exists("/proc"))
        {
            return Environment.CpuUsage.TotalTime;
        }

        var stats = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Read(pid) is { } stat)
            {
                stats[pid] = stat;
            }
        }

        var total = 0L;
        var frontier = new Queue<int>([self]);
        var seen = new HashSet<int>();
        while (frontier.TryDequeue(out var pid))
        {
            if (!seen.Add(pid) || !stats.TryGetValue(pid, out var stat))
            {
                continue;
            }

            total += stat.Ticks;
            foreach (var child in stats.Where(kv => kv.Value.Parent == pid).Select(kv => kv.Key))
            {
                frontier.Enqueue(child);
            }
        }

        return TimeSpan.FromSeconds(total / TicksPerSecond);
    }

    /// <summary>(parent id, utime + stime) of <paramref name="pid"/>, or null when it is gone or unreadable.</summary>
    private static (int Parent, long Ticks)? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // After the command name in parentheses: state ppid … utime (14th field) stime (15th).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
