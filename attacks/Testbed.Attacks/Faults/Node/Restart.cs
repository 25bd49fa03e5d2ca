namespace Testbed.Attacks.Faults.Node;

/// <summary><c>restart</c>: stops a silo gracefully and starts it again at once (when the window opens, and every <c>every</c>).</summary>
public sealed class Restart : NodeFault
{
    /// <inheritdoc />
    public override string Kind => "restart";

    /// <inheritdoc />
    public override string Description => "stops a silo gracefully and starts it again at once";

    /// <inheritdoc />
    protected override async Task<Func<Task>?> StrikeAsync(FaultContext context, int position)
    {
        var name = context.Nodes.SiloName(position);
        await context.Nodes.RestartAsync(position);
        context.Record($"restart {name}");
        return null;
    }
}
