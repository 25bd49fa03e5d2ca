using Testbed.Attacks.Api;
using Testbed.Attacks.Faults;
using Testbed.Scenarios;
using Testbed.Wire;

namespace Testbed.Hosting.Cluster.Agents;

/// <summary>
/// A wire fault of the scenario, to run on one silo process: the entry, its seed for this silo, when the workload
/// started (windows count from it) and the silos' names in position order (for <c>silo:N</c>).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record WireFaultLaunch(
    [property: Id(0)] int Index,
    [property: Id(1)] string Kind,
    [property: Id(2)] Dictionary<string, string> Options,
    [property: Id(3)] ScriptSource? Script,
    [property: Id(4)] TimeSpan Start,
    [property: Id(5)] TimeSpan Stop,
    [property: Id(6)] int Seed,
    [property: Id(7)] DateTimeOffset WorkloadStartedAt,
    [property: Id(8)] string[] Silos);

/// <summary>What one wire fault did on one silo.</summary>
[GenerateSerializer, Immutable]
public sealed record WireFaultReport(
    [property: Id(0)] int Index,
    [property: Id(1)] string Silo,
    [property: Id(2)] long Injected,
    [property: Id(3)] bool Opened,
    [property: Id(4)] (double AtMs, string What)[] Actions,
    [property: Id(5)] string[] Errors,
    [property: Id(6)] SlowHook[] SlowHooks);

/// <summary>
/// The wire faults running on this silo: where silos are processes each has its own wire, so every wire fault runs once
/// per silo, on the traffic that silo sends (the wire acts on the sender's side), with a seed of its own.
/// </summary>
public sealed class SiloWireFaults(WireHooks hooks, string silo)
{
    private readonly Lock _gate = new();
    private readonly List<(WireFaultLaunch Launch, FaultRuntime Runtime, Task Running)> _running = [];
    private readonly CancellationTokenSource _runEnded = new();

    /// <summary>Starts <paramref name="launches"/>; a window that already closed (a silo started late) is skipped.</summary>
    public void Start(IEnumerable<WireFaultLaunch> launches)
    {
        ArgumentNullException.ThrowIfNull(launches);
        foreach (var launch in launches)
        {
            var elapsed = DateTimeOffset.UtcNow - launch.WorkloadStartedAt;
            if (launch.Stop <= elapsed)
            {
                continue;
            }

            var fault = FaultCatalog.Create(launch.Kind, launch.Options, launch.Script);
            var start = launch.Start > elapsed ? launch.Start - elapsed : TimeSpan.Zero;
            var runtime = new FaultRuntime(fault, start, launch.Stop - elapsed,
                new FaultContext(new Random(launch.Seed), TimeProvider.System, hooks, new SiloLocalNodes(launch.Silos)));
            lock (_gate)
            {
                _running.Add((launch, runtime, runtime.RunAsync(_runEnded.Token)));
            }
        }
    }

    /// <summary>Closes every window and waits for the faults to revert.</summary>
    public async Task StopAsync()
    {
        await _runEnded.CancelAsync();
        Task[] running;
        lock (_gate)
        {
            running = _running.Select(r => r.Running).ToArray();
        }

        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>What each fault did here.</summary>
    public WireFaultReport[] Conclude()
    {
        lock (_gate)
        {
            return _running.Select(r =>
            {
                var result = r.Runtime.Conclude();
                return new WireFaultReport(r.Launch.Index, silo, result.Injected, result.Opened, result.Actions.Select(a => (a.AtMs, a.What)).ToArray(),
                    result.Errors.ToArray(), result.SlowHooks.ToArray());
            }).ToArray();
        }
    }

    /// <summary>The cluster as a wire fault inside one silo process sees it: names by position; nothing to strike from here.</summary>
    private sealed class SiloLocalNodes(string[] silos) : INodeControl
    {
        public int SiloCount => silos.Length;

        public string SiloName(int position) => silos[position];

        // Where a principal's grain lives is known to the cluster's directory, not to a wire fault in one silo: silo targets
        // and silo sides are refused across processes (RunClusters.EmbeddedOnly), so nothing asks.
        public string? SiloOf(string principal) => null;

        public Task KillAsync(int position) => throw Refused();

        public Task StopAsync(int position) => throw Refused();

        public Task RestartAsync(int position) => throw Refused();

        public Task StartSiloAsync() => throw Refused();

        public IDisposable Pause(int position) => throw Refused();

        public Time.ServiceClock Clock(int position) => throw Refused();

        private static NotSupportedException Refused() => new("a wire fault runs inside one silo process: node and clock actions belong to the runner");
    }
}
