using Testbed.Wire;

namespace Testbed.Attacks.Faults.Wire;

/// <summary><c>drop</c>: loses matching messages (the sender sees the exchange fail: indeterminate to a client).</summary>
public sealed class Drop : WireFault
{
    /// <inheritdoc />
    public override string Kind => "drop";

    /// <inheritdoc />
    public override string Description => "loses matching messages (the sender sees the exchange fail: indeterminate to a client)";

    /// <inheritdoc />
    protected override ValueTask<InterceptDecision> ActAsync(WireMessage message, CancellationToken cancellationToken) =>
        ValueTask.FromResult(InterceptDecision.Drop);
}
