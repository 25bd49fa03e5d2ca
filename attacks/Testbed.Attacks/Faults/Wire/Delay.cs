using Testbed.Attacks.Api;
using Testbed.Wire;

namespace Testbed.Attacks.Faults.Wire;

/// <summary>
/// <c>delay</c>: holds matching messages for <c>latency</c> varied by <c>jitter</c> (default 0) following
/// <c>distribution</c>: <c>uniform</c> (latency ± jitter), <c>normal</c> (σ = jitter) or <c>exponential</c> (latency plus an
/// exponential tail of mean jitter). Never negative.
/// </summary>
public sealed class Delay : WireFault
{
    private TimeSpan _latency, _jitter;
    private string _distribution = "uniform";

    /// <inheritdoc />
    public override string Kind => "delay";

    /// <inheritdoc />
    public override string Description => "holds matching messages for 'latency' varied by 'jitter': uniform, normal or exponential";

    /// <inheritdoc />
    protected override void ConfigureFault(AttackOptions options)
    {
        _latency = options.Duration("latency", TimeSpan.FromMilliseconds(50));
        _jitter = options.Duration("jitter", TimeSpan.Zero);
        _distribution = options.Choice("distribution", "uniform", "uniform", "normal", "exponential");
        if (_latency > TimeSpan.FromSeconds(30) || _jitter > TimeSpan.FromSeconds(30))
        {
            throw new ArgumentException("options 'latency' and 'jitter' must be at most 30s");
        }
    }

    /// <inheritdoc />
    protected override ValueTask<InterceptDecision> ActAsync(WireMessage message, CancellationToken cancellationToken) =>
        ValueTask.FromResult(InterceptDecision.DelayBy(Sample()));

    /// <summary>One delay drawn from the configured distribution.</summary>
    public TimeSpan Sample()
    {
        if (_jitter == TimeSpan.Zero)
        {
            return _latency;
        }

        var spread = _distribution switch
        {
            "normal" => Math.Sqrt(-2 * Math.Log(1 - Context.Next())) * Math.Cos(2 * Math.PI * Context.Next()),
            "exponential" => -Math.Log(1 - Context.Next()),
            _ => (2 * Context.Next()) - 1,
        };
        var ms = _latency.TotalMilliseconds + (spread * _jitter.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(Math.Max(0, ms));
    }
}
