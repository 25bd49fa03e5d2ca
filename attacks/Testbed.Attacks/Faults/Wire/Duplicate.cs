using Testbed.Attacks.Api;
using Testbed.Wire;

namespace Testbed.Attacks.Faults.Wire;

/// <summary><c>duplicate</c>: delivers <c>copies</c> extra copies of matching requests, byte for byte.</summary>
public sealed class Duplicate : WireFault
{
    private int _copies = 1;

    /// <inheritdoc />
    public override string Kind => "duplicate";

    /// <inheritdoc />
    public override string Description => "delivers 'copies' extra copies of matching requests, byte for byte";

    /// <inheritdoc />
    protected override string DefaultDirection => "request";

    /// <inheritdoc />
    protected override IReadOnlyList<string> Directions => ["request"]; // replies go back to one waiting caller: nothing to copy them to

    /// <inheritdoc />
    protected override void ConfigureFault(AttackOptions options)
    {
        _copies = options.Integer("copies", 1, 1, 5);
    }

    /// <inheritdoc />
    protected override ValueTask<InterceptDecision> ActAsync(WireMessage message, CancellationToken cancellationToken) =>
        ValueTask.FromResult(InterceptDecision.Duplicate(_copies));
}
