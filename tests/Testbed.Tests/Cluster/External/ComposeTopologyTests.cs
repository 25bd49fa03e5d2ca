using System.Diagnostics;
using System.Text.Json;
using Testbed.Hosting.Cluster.Processes;
using Testbed.Tests.Cluster.Processes;
using Testbed.Tests.Storage;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Testbed.Tests.Cluster.External;

/// <summary>
/// docker-compose.yml without containers: the commands its services run, started as local processes — a redis-server,
/// the three silos (their <c>--advertise</c> name becomes 127.0.0.1 and their ports free ones, as three hosts become
/// one), and the runner's suite in external mode over a few shipped scenarios — so the file cannot describe a topology
/// that does not work.
/// </summary>
[Collection(ProcessModeCollection.Name)]
public sealed class ComposeTopologyTests
{
    [RedisFact]
    public async Task The_compose_services_commands_run_a_suite_in_external_mode_as_local_processes()
    {
        RealDependency.Require(RedisServer.Find(), "redis-server is not installed");
        var root = RepositoryRoot();
        var services = ComposeServices(Path.Combine(root, "docker-compose.yml"));
        var silos = services.Where(s => s.Value.FirstOrDefault() == "silo").ToArray();
        Assert.Equal(["silo-1", "silo-2", "silo-3"], silos.Select(s => s.Key));
        var runner = services["runner"];
        Assert.Equal(["suite", "scenarios/suite", "--cluster", "external"], runner.Take(4));

        var work = Directory.CreateTempSubdirectory("tb-compose-");
        var suite = Directory.CreateDirectory(Path.Combine(work.FullName, "suite")).FullName;
        // Shipped scenarios: a baseline, two attack cells, a clock fault through the agents, and a stop last (nothing
        // restarts the stopped silo here, as compose's restart policy would).
        string[] picked = ["suite/01-baseline.yaml", "suite/10-attack-eavesdrop-none.yaml", "suite/20-attack-tamper-tls-like.yaml", "faults/12-clock-skew-timestamp-window.yaml", "faults/16-stop.yaml"];
        for (var i = 0; i < picked.Length; i++)
        {
            File.Copy(Path.Combine(root, "scenarios", picked[i]), Path.Combine(suite, $"{i}-{Path.GetFileName(picked[i])}"));
        }

        await using var redis = await RedisServer.StartAsync(CancellationToken.None);
        var clusterId = $"compose-{Guid.NewGuid():N}"[..18];
        var started = new List<Process>();
        try
        {
            foreach (var (name, command) in silos)
            {
                var ports = FreePorts.Take(2);
                var args = Replace(command, ("--redis", redis.Connection), ("--cluster-id", clusterId), ("--advertise", "127.0.0.1"),
                    ("--silo-port", ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ("--gateway-port", ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture)));
                started.Add(await StartSiloAsync(args, Path.Combine(work.FullName, $"{name}.log")));
            }

            var out_ = Path.Combine(work.FullName, "results");
            var runnerArgs = Replace(runner, ("--redis", redis.Connection), ("--cluster-id", clusterId), ("--out", out_));
            runnerArgs[1] = suite; // the compose runner's scenarios/suite, here a few of its files
            var (code, output) = await RunAsync(runnerArgs, root, TimeSpan.FromMinutes(6));
            Assert.True(code == 0, $"runner exit {code}:\n{output}");

            foreach (var file in Directory.GetFiles(suite))
            {
                var name = ScenarioName(file);
                using var result = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(out_, name, "result.json")));
                var cluster = result.RootElement.GetProperty("cluster");
                Assert.True(result.RootElement.GetProperty("passed").GetBoolean(), $"{name} failed");
                Assert.Equal("external", cluster.GetProperty("mode").GetString());
                Assert.Equal(clusterId, cluster.GetProperty("clusterId").GetString());
            }

            // The stop (faults/16, silo 2) is a real graceful exit of that process; the other silos are still serving.
            Assert.Equal(1, started.Count(p => p.HasExited));
            Assert.Equal(0, started.Single(p => p.HasExited).ExitCode);
        }
        finally
        {
            foreach (var silo in started.Where(p => !p.HasExited))
            {
                PosixSignals.Send(silo.Id, PosixSignals.Term);
            }

            foreach (var silo in started)
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await silo.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    silo.Kill(entireProcessTree: true);
                }

                silo.Dispose();
            }

            work.Delete(recursive: true);
        }
    }

    private static string ScenarioName(string file) =>
        File.ReadLines(file).First(l => l.StartsWith("name:", StringComparison.Ordinal))["name:".Length..].Trim();

    /// <summary>Starts a silo by hand as a supervisor would (<c>--parent-pid</c>: it ends with this test host) and waits for its READY line.</summary>
    internal static async Task<Process> StartSiloAsync(string[] args, string log)
    {
        var process = Start([.. args, "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)], Directory.GetCurrentDirectory(), redirectStdout: true);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = new StreamWriter(log) { AutoFlush = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (SiloReady.TryParse(e.Data) is not null)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (writer)
                {
                    writer.WriteLine(line);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (!ready.Task.IsCompleted)
        {
            var exited = process.HasExited;
            process.Kill(entireProcessTree: true);
            process.Dispose();
            Assert.Fail($"silo {string.Join(' ', args)} was not ready (exited: {exited}); its log: {log}");
        }

        return process;
    }

    private static async Task<(int Code, string Output)> RunAsync(string[] args, string workingDirectory, TimeSpan timeout)
    {
        using var process = Start(args, workingDirectory, redirectStdout: true);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static Process Start(string[] args, string workingDirectory, bool redirectStdout)
    {
        var (exe, prefix) = SiloExecutable.Command();
        var start = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardOutput = redirectStdout,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in prefix.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    /// <summary><paramref name="command"/> with the value after each named option replaced.</summary>
    private static string[] Replace(IReadOnlyList<string> command, params (string Option, string Value)[] values)
    {
        var args = command.ToArray();
        foreach (var (option, value) in values)
        {
            var at = Array.IndexOf(args, option);
            Assert.True(at >= 0 && at + 1 < args.Length, $"the compose command {string.Join(' ', command)} has no {option} VALUE");
            args[at + 1] = value;
        }

        return args;
    }

    /// <summary>Each service's <c>command</c> (anchors and merge keys resolved as compose does).</summary>
    private static Dictionary<string, IReadOnlyList<string>> ComposeServices(string file)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(file))
        {
            yaml.Load(new YamlDotNet.Core.MergingParser(new YamlDotNet.Core.Parser(reader)));
        }

        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("services")];
        return services.Children.ToDictionary(
            kv => ((YamlScalarNode)kv.Key).Value!,
            kv => (IReadOnlyList<string>)(((YamlMappingNode)kv.Value).Children.TryGetValue(new YamlScalarNode("command"), out var command)
                ? ((YamlSequenceNode)command).Children.Select(c => ((YamlScalarNode)c).Value!).ToArray()
                : []));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Testbed.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Testbed.sln not found above the test assembly");
    }
}
