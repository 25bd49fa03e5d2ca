namespace Testbed.Hosting.Cluster.Agents;

/// <summary>Puts a silo's clock back on time through its agent (a silo struck meanwhile has nothing left to reset).</summary>
internal sealed class AgentClockReset(ISiloAgent agent) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        try
        {
            await agent.ResetClock();
        }
        catch (Exception ex) when (ex is OrleansException or SiloUnavailableException or TimeoutException)
        {
            // The silo was struck in the window: its clock ended with its process.
        }
    }
}
