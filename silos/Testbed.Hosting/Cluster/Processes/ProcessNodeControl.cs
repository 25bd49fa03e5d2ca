using Testbed.Attacks.Faults;

namespace Testbed.Hosting.Cluster.Processes;

/// <summary>
/// The silos of a <see cref="ProcessCluster"/> as node faults see them, struck with real signals: kill is SIGKILL, stop
/// SIGTERM (SIGKILL after the grace period), restart SIGTERM and a new process under the same name (appended to the list,
/// as the embedded cluster does),
/// pause SIGSTOP until disposed, then SIGCONT. Position 0 (the certificate authority) is never struck. Clocks are skewed
/// through each silo's agent.
/// </summary>
public sealed class ProcessNodeControl(ProcessCluster cluster) : INodeControl
{
    /// <summary>How long a stopped silo may take to exit before it is killed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(6);

    /// <inheritdoc />
    public int SiloCount => cluster.Silos.Count;

    /// <inheritdoc />
    public string SiloName(int position) => At(position).Name;

    /// <inheritdoc />
    /// <remarks>Where silos are processes, grain placement is known only inside them: null here (wire faults run in each silo).</remarks>
    public string? SiloOf(string principal) => null;

    /// <inheritdoc />
    public async Task KillAsync(int position)
    {
        var silo = Struck(position);
        await cluster.SnapshotAsync(silo); // what it recorded stays in the result
        cluster.Forget(silo);
        await silo.KillAsync();
    }

    /// <inheritdoc />
    public async Task StopAsync(int position)
    {
        var silo = Struck(position);
        await cluster.SnapshotAsync(silo);
        cluster.Forget(silo);
        await silo.StopAsync(StopGrace);
    }

    /// <inheritdoc />
    public async Task RestartAsync(int position)
    {
        var silo = Struck(position);
        await cluster.SnapshotAsync(silo);
        cluster.Forget(silo);
        await silo.StopAsync(StopGrace);
        await cluster.StartSiloAsync(name: silo.Name); // appended, as TestingHost does with a restarted silo
    }

    /// <inheritdoc />
    public Task StartSiloAsync() => cluster.StartSiloAsync();

    /// <inheritdoc />
    public IDisposable Pause(int position)
    {
        var silo = Struck(position);
        if (!silo.Signal(PosixSignals.Stop))
        {
            throw new InvalidOperationException($"{silo.Name} (pid {silo.Pid}) is not running: it cannot be paused");
        }

        return new Continuer(silo);
    }

    /// <inheritdoc />
    public Time.ServiceClock Clock(int position) =>
        throw new NotSupportedException($"{SiloName(position)} is a process of its own: its clock is skewed through SkewClockAsync, not handed out");

    /// <inheritdoc />
    public async Task<IAsyncDisposable> SkewClockAsync(int position, TimeSpan offset, double driftPerSecond)
    {
        var agent = cluster.Agent(At(position));
        await agent.SkewClock(offset, driftPerSecond);
        return new Agents.AgentClockReset(agent);
    }

    private SiloProcess At(int position)
    {
        var silos = cluster.Silos;
        return position >= 0 && position < silos.Count
            ? silos[position]
            : throw new ArgumentOutOfRangeException(nameof(position), position, $"there are {silos.Count} silos");
    }

    private SiloProcess Struck(int position) => position >= 1
        ? At(position)
        : throw new ArgumentOutOfRangeException(nameof(position), position, "silo 0 holds the certificate authority and is never struck");

    private sealed class Continuer(SiloProcess silo) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                silo.Signal(PosixSignals.Continue);
            }
        }
    }
}
