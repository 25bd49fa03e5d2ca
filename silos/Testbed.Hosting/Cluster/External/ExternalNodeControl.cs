using Testbed.Attacks.Faults;
using Testbed.Hosting.Cluster.Agents;

namespace Testbed.Hosting.Cluster.External;

/// <summary>
/// The silos of an <see cref="ExternalCluster"/> as node faults see them, struck through each silo's agent: kill ends
/// the process abruptly (SIGKILL to itself), stop ends it gracefully. Nothing here can start a process: a restart is a
/// stop and then a wait for the orchestrator (compose <c>restart:</c>) to bring the silo back into the run, and a
/// replacement is left to it — the result's events say which happened. Position 0 is never struck; pauses are refused
/// before the run (nothing outside a stopped process could continue it).
/// </summary>
public sealed class ExternalNodeControl(ExternalCluster cluster) : INodeControl
{
    /// <summary>How long a restart waits for the orchestrator to bring the silo back.</summary>
    public static readonly TimeSpan RestartWait = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public int SiloCount => cluster.Running.Count;

    /// <inheritdoc />
    public string SiloName(int position) => At(position).Name;

    /// <inheritdoc />
    /// <remarks>Grain placement is known only inside the silos: null here (wire faults run in each silo).</remarks>
    public string? SiloOf(string principal) => null;

    /// <inheritdoc />
    public async Task KillAsync(int position)
    {
        var silo = await StrikeAsync(position);
        await Agent(silo).Kill();
        cluster.Note($"kill: {silo.Name} asked to end abruptly");
    }

    /// <inheritdoc />
    public async Task StopAsync(int position)
    {
        var silo = await StrikeAsync(position);
        await Agent(silo).Stop();
        cluster.Note($"stop: {silo.Name} asked to stop gracefully");
    }

    /// <inheritdoc />
    public async Task RestartAsync(int position)
    {
        var silo = await StrikeAsync(position);
        await Agent(silo).Stop();
        cluster.Note($"restart: {silo.Name} asked to stop; bringing it back is the orchestrator's job");
        var deadline = DateTime.UtcNow + RestartWait;
        while (DateTime.UtcNow < deadline)
        {
            if (cluster.Running.Any(s => s.Name == silo.Name && s.Address != silo.Address))
            {
                return; // JoinedAsync noted its return
            }

            await Task.Delay(250);
        }

        cluster.Note($"restart: {silo.Name} did not come back within {RestartWait.TotalSeconds:0} s");
    }

    /// <inheritdoc />
    public Task StartSiloAsync()
    {
        cluster.Note("a replacement silo is the orchestrator's job in external mode: none started");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public IDisposable Pause(int position) =>
        throw new NotSupportedException("pause: a silo of an external cluster cannot be continued from outside its host");

    /// <inheritdoc />
    public Time.ServiceClock Clock(int position) =>
        throw new NotSupportedException($"{SiloName(position)} is a process of its own: its clock is skewed through SkewClockAsync, not handed out");

    /// <inheritdoc />
    public async Task<IAsyncDisposable> SkewClockAsync(int position, TimeSpan offset, double driftPerSecond)
    {
        var agent = Agent(At(position));
        await agent.SkewClock(offset, driftPerSecond);
        return new AgentClockReset(agent);
    }

    private ISiloAgent Agent(FleetSilo silo) => cluster.Client.GetGrain<ISiloAgent>(silo.Address);

    private FleetSilo At(int position)
    {
        var silos = cluster.Running;
        return position >= 0 && position < silos.Count
            ? silos[position]
            : throw new ArgumentOutOfRangeException(nameof(position), position, $"there are {silos.Count} silos");
    }

    private async Task<FleetSilo> StrikeAsync(int position)
    {
        var silo = position >= 1
            ? At(position)
            : throw new ArgumentOutOfRangeException(nameof(position), position, "silo 0 holds the certificate authority and the adversaries, and is never struck");
        await cluster.SnapshotAsync(silo); // what it recorded stays in the result
        cluster.Forget(silo);
        return silo;
    }
}
