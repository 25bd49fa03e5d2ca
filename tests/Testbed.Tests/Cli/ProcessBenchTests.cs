using System.Text.Json;
using Testbed.Cli;
using Testbed.Hosting.Cluster.Processes;
using Testbed.Tests.Cluster.Processes;
using Testbed.Tests.Storage;
using Xunit;

namespace Testbed.Tests.Cli;

/// <summary><c>testbed bench --cluster processes</c>: the matrix on silo processes over real TCP, transport TLS included.</summary>
[Collection(ProcessModeCollection.Name)]
public sealed class ProcessBenchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("testbed-pbench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [RedisFact]
    public async Task A_tiny_bench_on_processes_measures_both_transports_and_the_whole_process_tree()
    {
        RealDependency.Require(RedisServer.Find(), "redis-server is not installed");
        var error = new StringWriter();
        var code = await TestbedCli.RunAsync(["bench", "--cluster", "processes", "--quick", "--quiet", "--presets", "none", "--transports", "plain", "orleans-tls",
            "--payloads", "64", "--operations", "200", "--out", _dir], error);
        Assert.True(code == ExitCodes.Passed, $"exit {code}: {error}");
        using var bench = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "bench.json")));
        var root = bench.RootElement;
        Assert.Equal("Defense cost on silo processes (real TCP)", root.GetProperty("title").GetString());
        var cells = root.GetProperty("cells").EnumerateArray().ToArray();
        Assert.Equal(["plain", "orleans-tls"], cells.Select(c => c.GetProperty("transport").GetString()));
        // The silos do the work: the runner alone would not come near this per operation (measured: 800–970 µs).
        Assert.All(cells, c => Assert.True(c.GetProperty("cpuMicrosPerOp").GetDouble() > 100, $"CPU per op {c}"));
        var notes = root.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToArray();
        Assert.Contains(notes, n => n.Contains("over the real TCP sockets", StringComparison.Ordinal) && n.Contains("negotiated: TLS_", StringComparison.Ordinal));
    }
}
