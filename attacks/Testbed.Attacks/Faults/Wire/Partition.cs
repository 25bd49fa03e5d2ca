using Testbed.Attacks.Api;
using Testbed.Wire;

namespace Testbed.Attacks.Faults.Wire;

/// <summary>
/// <c>partition</c>: splits the service wire into <c>sides</c> — two or more groups of services, principals or silo
/// positions, e.g. <c>sides: [[customer, payments], [account]]</c> or <c>[[silo:0], [silo:1, silo:2]]</c> — and drops every
/// message whose sender and recipient fall on different 'sides' until the window closes (the partition heals). Endpoints on
/// no side are not cut. It cuts the service wire, not Orleans' own membership traffic: the cluster stays one cluster
/// while its services cannot reach each other across the cut.
/// </summary>
public sealed class Partition : WireFault
{
    private FaultTargets[] _sides = [];

    /// <inheritdoc />
    public override string Kind => "partition";

    /// <inheritdoc />
    public override string Description => "drops every service-wire message between endpoints on different 'sides' until the window closes";

    /// <inheritdoc />
    public override string Targets => string.Join(" | ", _sides.Select(s => s.Text));

    /// <inheritdoc />
    protected override bool ScopedByTargets => false;

    /// <inheritdoc />
    protected override void ConfigureFault(AttackOptions options)
    {
        var text = options.Text("sides", "");
        _sides = text.Split('|', StringSplitOptions.TrimEntries).Select(side => FaultTargets.Parse("sides", side)).ToArray();
        if (_sides.Length < 2 || _sides.Any(s => s.All))
        {
            throw new ArgumentException("option 'sides' must list two or more non-empty sides, e.g. sides: [[customer, payments], [account]] or [[silo:0], [silo:1]]");
        }

        if (options.Raw.ContainsKey("targets"))
        {
            throw new ArgumentException("option 'targets': a partition is scoped by its 'sides'");
        }
    }

    /// <inheritdoc />
    public override string? CheckCluster(int silos) =>
        _sides.Max(s => s.MaxSilo) is var max && max >= silos ? $"sides name silo:{max}, but the cluster has {silos} silos (positions 0..{silos - 1})" : null;

    /// <inheritdoc />
    protected override void Bind(FaultContext context)
    {
        foreach (var side in _sides)
        {
            side.Bind(context.Nodes);
        }
    }

    /// <inheritdoc />
    protected override bool Eligible(WireMessage message)
    {
        if (!base.Eligible(message))
        {
            return false;
        }

        var nodes = Context.Nodes;
        var request = message.Direction == WireDirection.Request;
        var from = message.Envelope?.Sender;
        var fromSilo = request ? message.Silo : from is null ? null : nodes.SiloOf(from);
        var toSilo = request ? nodes.SiloOf(message.Recipient) : message.Silo;
        var a = SideOf(from, fromSilo);
        var b = SideOf(message.Recipient, toSilo);
        return a >= 0 && b >= 0 && a != b;
    }

    /// <inheritdoc />
    protected override ValueTask<InterceptDecision> ActAsync(WireMessage message, CancellationToken cancellationToken) =>
        ValueTask.FromResult(InterceptDecision.Drop);

    private int SideOf(string? principal, string? silo)
    {
        for (var i = 0; i < _sides.Length; i++)
        {
            if (_sides[i].Matches(principal, silo))
            {
                return i;
            }
        }

        return -1;
    }
}
