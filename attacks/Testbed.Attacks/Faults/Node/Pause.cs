namespace Testbed.Attacks.Faults.Node;

/// <summary>
/// <c>pause</c>: the silo stops processing — every grain call arriving there waits — for <c>for</c> (default: half of
/// <c>every</c>, or until the window closes), as a SIGSTOPped process or a long GC pause; then it resumes and works off
/// what queued up. Orleans' membership probes are not held, so the silo is not declared dead.
/// </summary>
public sealed class Pause : NodeFault
{
    /// <inheritdoc />
    public override string Kind => "pause";

    /// <inheritdoc />
    public override string Description => "holds every grain call arriving at a silo for 'for' (as a SIGSTOP or a long GC pause), then resumes";

    /// <inheritdoc />
    protected override string? HoldOption => "for";

    /// <inheritdoc />
    protected override Task<Func<Task>?> StrikeAsync(FaultContext context, int position)
    {
        var name = context.Nodes.SiloName(position);
        var paused = context.Nodes.Pause(position);
        context.Record($"pause {name}");
        return Task.FromResult<Func<Task>?>(() =>
        {
            paused.Dispose();
            context.Record($"resume {name}");
            return Task.CompletedTask;
        });
    }
}
