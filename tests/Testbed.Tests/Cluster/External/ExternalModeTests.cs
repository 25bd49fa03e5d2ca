using System.Diagnostics;
using System.Globalization;
using Testbed.Hosting.Cluster.Processes;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Testbed.Tests.Cluster.Processes;
using Testbed.Tests.Storage;
using Xunit;

namespace Testbed.Tests.Cluster.External;

/// <summary>
/// External mode against open silos started here by hand, with this test as the orchestrator: it restarts any silo
/// process that ends, with the same command, as compose's <c>restart: unless-stopped</c> does.
/// </summary>
[Collection(ProcessModeCollection.Name)]
public sealed class ExternalModeTests
{
    [RedisFact]
    public async Task A_killed_silo_is_a_dead_process_and_its_restart_by_the_orchestrator_rejoins_the_same_run()
    {
        RealDependency.Require(RedisServer.Find(), "redis-server is not installed");
        await using var redis = await RedisServer.StartAsync(CancellationToken.None);
        var clusterId = $"ext-{Guid.NewGuid():N}"[..14];
        var work = Directory.CreateTempSubdirectory("tb-external-");
        var silos = new List<(string[] Args, Process Process)>();
        using var stopOrchestrating = new CancellationTokenSource();
        var exits = new List<int>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var ports = FreePorts.Take(2);
                string[] args = ["silo", "--redis", redis.Connection, "--cluster-id", clusterId, "--name", $"silo-{i}",
                    "--silo-port", ports[0].ToString(CultureInfo.InvariantCulture), "--gateway-port", ports[1].ToString(CultureInfo.InvariantCulture)];
                silos.Add((args, await ComposeTopologyTests.StartSiloAsync(args, Path.Combine(work.FullName, $"silo-{i}.log"))));
            }

            var orchestrator = Task.Run(async () =>
            {
                while (!stopOrchestrating.IsCancellationRequested)
                {
                    for (var i = 0; i < silos.Count; i++)
                    {
                        if (silos[i].Process.HasExited)
                        {
                            lock (exits)
                            {
                                exits.Add(silos[i].Process.ExitCode);
                            }

                            silos[i] = (silos[i].Args, await ComposeTopologyTests.StartSiloAsync(silos[i].Args, Path.Combine(work.FullName, $"silo-{i}-again.log")));
                        }
                    }

                    await Task.Delay(100);
                }
            });

            // 12 s: the returning silo is ready 1.2 s after its start on a quiet machine, up to 6 s beside a busy workload.
            var scenario = ScenarioLoader.Parse($"""
                name: external-kill
                seed: 21
                cluster: {"{"}mode: external, redis: "{redis.Connection}", clusterId: {clusterId}, silos: 3, responseTimeout: 2s{"}"}
                workload: {"{"}accounts: 12, duration: 12s, concurrency: 8, retries: 8{"}"}
                faults:
                  - {"{"}kind: kill, start: 500ms, stop: 1s, silo: 1{"}"}
                expect:
                  invariants: all
                  faults:
                    kill: {"{"}injected: "1"{"}"}
                """, "external.yaml", TestbedCatalog.Default);
            var result = await ScenarioRunner.RunAsync(scenario, new RunOptions());
            await stopOrchestrating.CancelAsync();
            await orchestrator;

            Assert.True(result.Passed, string.Join("; ", result.Expectations.Where(e => !e.Passed).Select(e => $"{e.Name}: {e.Detail}")) + result.Error);
            Assert.Equal("external", result.Cluster!.Mode);
            lock (exits)
            {
                Assert.Equal([137], exits); // the kill is a SIGKILL of the process (128 + 9), nothing else ended
            }

            var events = result.Cluster.Events!;
            var killed = Assert.Single(events, e => e.Contains("kill: ", StringComparison.Ordinal) && e.Contains("asked to end abruptly", StringComparison.Ordinal));
            var name = killed.Split("kill: ")[1].Split(' ')[0];
            Assert.Contains(events, e => e.Contains($"membership: {name} dead", StringComparison.Ordinal));
            Assert.Contains(events, e => e.Contains($"{name} joined the run", StringComparison.Ordinal)); // the restarted process read the run board
            Assert.Equal(4, result.Cluster.Processes!.Count); // three, and the returning one under a new address
        }
        finally
        {
            await stopOrchestrating.CancelAsync();
            foreach (var (_, process) in silos)
            {
                if (!process.HasExited)
                {
                    PosixSignals.Send(process.Id, PosixSignals.Term);
                }
            }

            foreach (var (_, process) in silos)
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }

            work.Delete(recursive: true);
        }
    }
}
