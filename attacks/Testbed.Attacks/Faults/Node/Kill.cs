namespace Testbed.Attacks.Faults.Node;

/// <summary>
/// <c>kill</c>: crashes a silo (no graceful shutdown: activations and in-flight calls are lost); after <c>down</c> a fresh
/// silo joins in its place. <c>stop</c> does the same with a graceful shutdown (<see cref="Stop"/>).
/// </summary>
public class Kill : NodeFault
{
    /// <inheritdoc />
    public override string Kind => "kill";

    /// <inheritdoc />
    public override string Description => "crashes a silo (no graceful shutdown); after 'down' a fresh silo joins in its place";

    /// <inheritdoc />
    protected override string? HoldOption => "down";

    /// <inheritdoc />
    protected override async Task<Func<Task>?> StrikeAsync(FaultContext context, int position)
    {
        var name = context.Nodes.SiloName(position);
        await (Graceful ? context.Nodes.StopAsync(position) : context.Nodes.KillAsync(position));
        context.Record($"{Kind} {name}");
        return async () =>
        {
            await context.Nodes.StartSiloAsync();
            context.Record($"replacement for {name} started");
        };
    }

    /// <summary>True for a graceful stop.</summary>
    protected virtual bool Graceful => false;
}

/// <summary><c>stop</c>: stops a silo gracefully (activations deactivate, state is written); after <c>down</c> a fresh silo joins.</summary>
public sealed class Stop : Kill
{
    /// <inheritdoc />
    public override string Kind => "stop";

    /// <inheritdoc />
    public override string Description => "stops a silo gracefully (activations deactivate, state is written); after 'down' a fresh silo joins";

    /// <inheritdoc />
    protected override bool Graceful => true;
}
