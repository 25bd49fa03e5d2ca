using System.Text.Json;
using Testbed.Cli;
using Xunit;

namespace Testbed.Tests.Cli;

/// <summary><c>testbed bench</c>: bad arguments exit 2 before anything runs; a tiny run writes a complete bench.json.</summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("testbed-bench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Error)> Run(params string[] args)
    {
        var error = new StringWriter();
        var code = await TestbedCli.RunAsync(args, error);
        return (code, error.ToString());
    }

    [Theory]
    [InlineData("--presets", "none", "no-such-preset")]
    [InlineData("--transports", "carrier-pigeon")]
    [InlineData("--payloads", "64", "-1")]
    [InlineData("--payloads", "70000")]
    [InlineData("--mode", "sideways")]
    [InlineData("--mode", "open", "--rate", "0")]
    [InlineData("--rate", "500")] // the default mode is closed: a rate means nothing there
    [InlineData("--mode", "closed", "--rate", "500")]
    [InlineData("--repetitions", "0")]
    [InlineData("--operations", "10")]
    [InlineData("--concurrency", "0")]
    [InlineData("--no-such-flag")]
    public async Task Bad_arguments_exit_2_with_a_message_and_write_nothing(params string[] args)
    {
        var outDir = Path.Combine(_dir, "out");
        var (code, error) = await Run(["bench", "--quiet", "--out", outDir, .. args]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("--operations: 'abc' is not a whole number", "--operations", "abc")]
    [InlineData("--repetitions: 'abc' is not a whole number", "--repetitions", "abc")]
    [InlineData("--concurrency: '1e3' is not a whole number", "--concurrency", "1e3")]
    [InlineData("--payloads: 99999999999 is out of range (expected 0..65536)", "--payloads", "99999999999")]
    [InlineData("--payloads: '1,2' is not a whole number", "--payloads", "64", "1,2")]
    [InlineData("--operations: 99999999999999999999999 is out of range", "--operations", "99999999999999999999999")]
    [InlineData("--rate: 'abc' is not a number", "--mode", "open", "--rate", "abc")]
    [InlineData("--rate: 'NaN' is not a number", "--mode", "open", "--rate", "NaN")]
    [InlineData("--mode: 'sideways' is not one of closed, open, both", "--mode", "sideways", "--rate", "500")]
    [InlineData("--transports: 'carrier-pigeon' is not one of plain, orleans-tls", "--transports", "carrier-pigeon")]
    [InlineData("--presets: unknown defense(s) 'no-such-preset'", "--presets", "none", "no-such-preset")]
    [InlineData("--rounds: 'abc' is not a whole number", "presets", "--rounds", "abc")]
    [InlineData("--payload: 99999999999 is out of range (expected 0..65536)", "presets", "--payload", "99999999999")]
    [InlineData("--operations: 'many' is not a whole number", "presets", "--operations", "many")]
    [InlineData("--presets: unknown defense(s) 'no-such-preset'", "presets", "--presets", "no-such-preset")]
    [InlineData("--calls: 'abc' is not a whole number", "wire", "--calls", "abc")]
    [InlineData("--payload: 99999999999 is out of range (expected 0..1048576)", "wire", "--payload", "99999999999")]
    [InlineData("--concurrency: 'x' is not a whole number", "wire", "--concurrency", "x")]
    public async Task Malformed_values_exit_2_naming_the_option_and_why(string message, params string[] args)
    {
        var outDir = Path.Combine(_dir, "out");
        var (code, error) = await Run(["bench", .. args, "--out", outDir]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(message, error);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData]
    [InlineData("presets")]
    [InlineData("wire")]
    public async Task An_out_folder_that_is_a_file_exits_2_before_anything_runs(params string[] subcommand)
    {
        var file = Path.Combine(_dir, "results.txt");
        File.WriteAllText(file, "not a folder");
        var (code, error) = await Run(["bench", .. subcommand, "--out", file]);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"--out: '{file}' is a file, not a folder", error);
    }

    [Fact]
    public async Task Subcommands_keep_their_own_validation()
    {
        Assert.Equal(ExitCodes.BadInput, (await Run("bench", "presets", "--rounds", "0")).Code);
        Assert.Equal(ExitCodes.BadInput, (await Run("bench", "wire", "--calls", "0")).Code);
        Assert.Equal(ExitCodes.BadInput, (await Run("bench", "presets", "--quick")).Code); // a matrix option, not the subcommand's
    }

    [Fact]
    public async Task Quick_run_writes_every_cell_with_ratios_to_none_on_plain()
    {
        var outDir = Path.Combine(_dir, "results");
        var (code, error) = await Run("bench", "--quick", "--quiet", "--presets", "tls-like", "--payloads", "64", "--operations", "100",
            "--mode", "both", "--rate", "400", "--out", outDir);

        Assert.True(code == ExitCodes.Passed, error);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "bench.json")));
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("repetitions").GetInt32()); // --quick
        Assert.Equal(100, root.GetProperty("operations").GetInt32());
        Assert.Equal(Environment.ProcessorCount, root.GetProperty("cores").GetInt32());
        Assert.Contains("logical cores", root.GetProperty("machine").GetString());
        Assert.StartsWith("testbed bench --quick", root.GetProperty("command").GetString());

        var cells = root.GetProperty("cells").EnumerateArray().ToList();
        var keys = cells.Select(c => (c.GetProperty("preset").GetString(), c.GetProperty("transport").GetString(), c.GetProperty("mode").GetString())).ToList();
        foreach (var preset in new[] { "none", "tls-like" })
        {
            foreach (var transport in new[] { "plain", "orleans-tls" })
            {
                foreach (var mode in new[] { "closed", "open" })
                {
                    Assert.Contains((preset, transport, mode), keys); // none is always run; both transports by default
                }
            }
        }

        Assert.Equal(8, cells.Count);
        foreach (var cell in cells)
        {
            Assert.Equal(64, cell.GetProperty("payloadBytes").GetInt32());
            var (p50, p90, p99, max) = (cell.GetProperty("p50Ms").GetDouble(), cell.GetProperty("p90Ms").GetDouble(), cell.GetProperty("p99Ms").GetDouble(), cell.GetProperty("maxMs").GetDouble());
            Assert.True(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max, $"latency {p50} {p90} {p99} {max}");
            Assert.True(cell.GetProperty("goodputPerSec").GetDouble() > 0);
            Assert.True(cell.GetProperty("cpuMicrosPerOp").GetDouble() > 0);
            Assert.True(cell.GetProperty("allocBytesPerOp").GetDouble() > 0);
            var ratio = cell.GetProperty("goodputRatio");
            Assert.True(ratio.GetProperty("min").GetDouble() > 0);
            Assert.True(ratio.GetProperty("min").GetDouble() <= ratio.GetProperty("median").GetDouble());
            Assert.True(ratio.GetProperty("median").GetDouble() <= ratio.GetProperty("max").GetDouble());
            if (cell.GetProperty("preset").GetString() == "none" && cell.GetProperty("transport").GetString() == "plain")
            {
                foreach (var spread in new[] { ratio, cell.GetProperty("p99Ratio") })
                {
                    Assert.Equal(1.0, spread.GetProperty("min").GetDouble());
                    Assert.Equal(1.0, spread.GetProperty("median").GetDouble());
                    Assert.Equal(1.0, spread.GetProperty("max").GetDouble());
                }
            }
        }

        var notes = root.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Contains(notes, n => n.StartsWith("zero-trust ≥ 0.90 × none goodput", StringComparison.Ordinal) && n.Contains("not measured here"));
        Assert.Contains(notes, n => n.Contains("orleans-tls: Microsoft.Orleans.Connections.Security") && n.Contains("TLS_"));
    }
}
