using System.Text.Json;
using Testbed.Cli;
using Xunit;

namespace Testbed.Tests.Cli;

/// <summary><c>testbed ablate</c>: bad arguments exit 2 before anything runs; a tiny suite end to end.</summary>
public sealed class AblateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("testbed-ablate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Suite(string name, params (string File, string Yaml)[] files)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;
        foreach (var (file, yaml) in files)
        {
            File.WriteAllText(Path.Combine(folder, file), yaml);
        }

        return folder;
    }

    private static async Task<(int Code, string Error)> Run(params string[] args)
    {
        var error = new StringWriter();
        var code = await TestbedCli.RunAsync(args, error);
        return (code, error.ToString());
    }

    [Theory]
    [InlineData("--layers", "firewall", "testbed: --layers: 'firewall' is not one of")]
    [InlineData("--defenses", "fortress", "testbed: --defenses: 'fortress' is not one of")]
    [InlineData("--scenarios", "nothing-*", "testbed: --scenarios: no scenario of")]
    [InlineData("--layers", "mac", "testbed: --layers: no selected scenario's defenses have mac")]
    [InlineData("--defenses", "paranoid", "testbed: nothing to ablate: no selected scenario has a defense layer under paranoid")]
    public async Task Arguments_that_select_nothing_or_name_unknown_things_exit_2(string option, string value, string message)
    {
        var suite = Suite("s", ("a.yaml", "name: a\nseed: 1\ndefenses: [signed]\n"));
        var outDir = Path.Combine(_dir, "out");

        var (code, error) = await Run("ablate", suite, option, value, "--out", outDir, "--quiet");

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith(message, error);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public async Task A_missing_folder_a_broken_scenario_and_a_suite_without_defenses_exit_2()
    {
        Assert.Equal(ExitCodes.BadInput, (await Run("ablate", Path.Combine(_dir, "no-such-folder"), "--quiet")).Code);
        Assert.Equal(ExitCodes.BadInput, (await Run("ablate")).Code);
        var broken = Suite("broken", ("a.yaml", "name: a\nseed: 1\ncluster:\n  silos: two\n"));
        Assert.Contains("a.yaml:4:10:", (await Run("ablate", broken, "--quiet")).Error);
        var plain = Suite("plain", ("a.yaml", "name: a\nseed: 1\n"));
        var (code, error) = await Run("ablate", plain, "--quiet", "--out", Path.Combine(_dir, "out"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("nothing to ablate", error);
    }

    [Fact]
    public async Task A_tiny_suite_shows_the_replay_layer_stopping_replays_and_fails_on_a_layer_it_does_not_exercise()
    {
        // signed = sign + replay (timestamp mode: nonces of its own). A byte-identical replay keeps a valid signature, so
        // only the replay layer stops it; without sign the replay layer still does, so sign is not exercised by this suite.
        var suite = Suite("tiny", ("r.yaml", """
            name: tiny-replay-signed
            seed: 15
            workload: {accounts: 8, duration: 1s, readFraction: 0.1, idempotentOrders: false}
            defenses: [signed]
            attacks:
              - {kind: replay, start: 100ms, stop: 60s, count: 10, delay: 50ms}
            expect:
              invariants: all
              attacks:
                replay: {attempts: "10", succeeded: "0", detected: "10"}
            """));
        var outDir = Path.Combine(_dir, "out");

        var (code, _) = await Run("ablate", suite, "--out", outDir, "--quiet", "--fail-unexercised");

        Assert.Equal(ExitCodes.ExpectationFailed, code); // sign changed nothing
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "ablation.json")));
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("runs").GetInt32());
        Assert.True(root.GetProperty("baselinePassed").GetBoolean());
        var group = Assert.Single(root.GetProperty("groups").EnumerateArray().ToArray());
        Assert.Equal("signed", group.GetProperty("label").GetString());
        Assert.Equal(15, group.GetProperty("scenarios")[0].GetProperty("seed").GetInt32());
        var rows = group.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("layer").GetString()!);
        Assert.False(rows["sign"].GetProperty("exercised").GetBoolean());
        Assert.Equal("—", rows["sign"].GetProperty("cells")[0].GetProperty("text").GetString());
        var replay = rows["replay"];
        Assert.True(replay.GetProperty("exercised").GetBoolean());
        var cell = replay.GetProperty("cells")[0];
        Assert.Equal("replay", cell.GetProperty("attack").GetString());
        Assert.Equal(10, cell.GetProperty("baseline").GetProperty("detected").GetInt64());
        Assert.Equal(0, cell.GetProperty("without").GetProperty("detected").GetInt64());
        Assert.Contains("D 10→0", cell.GetProperty("changes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["tiny-replay-signed"], replay.GetProperty("failedWithout").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["sign"], replay.GetProperty("remaining").EnumerateArray().Select(s => s.GetString()));
        Assert.True(File.Exists(Path.Combine(outDir, "runs", "baseline", "tiny-replay-signed", "result.json")));
        Assert.True(File.Exists(Path.Combine(outDir, "runs", "without-replay", "tiny-replay-signed", "result.json")));
        var html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains("id=\"ablation\"", html);
        Assert.Contains("not exercised by this suite: sign", html);
    }
}
