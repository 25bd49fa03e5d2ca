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
        var orchestrator = Task.CompletedTask;
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var ports = FreePorts.Take(2);
                string[] args = ["silo", "--redis", redis.Connection, "--cluster-id", clusterId, "--name", $"silo-{i}",
                    "--silo-port", ports[0].ToString(CultureInfo.InvariantCulture), "--gateway-port", ports[1].ToString(CultureInfo.InvariantCulture)];
                silos.Add((args, await ComposeTopologyTests.StartSiloAsync(args, Path.Combine(work.FullName, $"silo-{i}.log"))));
            }

            orchestrator = Task.Run(async () =>
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

                            var again = await ComposeTopologyTests.StartSiloAsync(silos[i].Args, Path.Combine(work.FullName, $"silo-{i}-again.log"));
                            lock (silos)
                            {
                                silos[i] = (silos[i].Args, again);
                            }
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
            try
            {
                await orchestrator; // no restart may land after the cleanup below
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // It failed to restart a silo: the assertions above say what the run saw.
            }

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

    [RedisFact]
    public async Task A_second_runner_is_refused_while_a_run_holds_the_board_and_joins_once_it_is_free()
    {
        RealDependency.Require(RedisServer.Find(), "redis-server is not installed");
        await using var redis = await RedisServer.StartAsync(CancellationToken.None);
        var clusterId = $"lease-{Guid.NewGuid():N}"[..16];
        var work = Directory.CreateTempSubdirectory("tb-lease-");
        var ports = FreePorts.Take(2);
        var silo = await ComposeTopologyTests.StartSiloAsync(["silo", "--redis", redis.Connection, "--cluster-id", clusterId, "--name", "silo-0",
            "--silo-port", ports[0].ToString(CultureInfo.InvariantCulture), "--gateway-port", ports[1].ToString(CultureInfo.InvariantCulture)], Path.Combine(work.FullName, "silo.log"));
        try
        {
            var scenario = ScenarioLoader.Parse("name: lease\nseed: 1\ncluster: {silos: 1}\nworkload: {accounts: 4, operations: 50}\n", "lease.yaml", TestbedCatalog.Default);
            await using var board = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Connection);
            var other = new Testbed.Hosting.Cluster.External.RunLaunch("other-run", SiloServices.Of(scenario), null);
            Assert.True(await Testbed.Hosting.Cluster.External.RunBoard.TryTakeAsync(board.GetDatabase(), clusterId, clusterId, other));
            var options = new Testbed.Hosting.Cluster.External.ExternalClusterOptions { Scenario = scenario, Redis = redis.Connection, ClusterId = clusterId };

            var refused = await Assert.ThrowsAsync<Testbed.Hosting.Cluster.External.ExternalClusterException>(() => Testbed.Hosting.Cluster.External.ExternalCluster.StartAsync(options));
            Assert.Contains("is serving run other-run of another runner", refused.Message, StringComparison.Ordinal);
            Assert.Equal("other-run", await Testbed.Hosting.Cluster.External.RunBoard.HolderAsync(board.GetDatabase(), clusterId, clusterId)); // the refused runner left it alone

            await Testbed.Hosting.Cluster.External.RunBoard.ClearAsync(board.GetDatabase(), clusterId, clusterId, "other-run");
            await using (var joined = await Testbed.Hosting.Cluster.External.ExternalCluster.StartAsync(options))
            {
                Assert.Equal(joined.RunId, await Testbed.Hosting.Cluster.External.RunBoard.HolderAsync(board.GetDatabase(), clusterId, clusterId));
                Assert.Single(joined.Running);
            }

            Assert.Null(await Testbed.Hosting.Cluster.External.RunBoard.HolderAsync(board.GetDatabase(), clusterId, clusterId)); // cleared at the end
        }
        finally
        {
            PosixSignals.Send(silo.Id, PosixSignals.Term);
            await silo.WaitForExitAsync();
            silo.Dispose();
            work.Delete(recursive: true);
        }
    }
}
