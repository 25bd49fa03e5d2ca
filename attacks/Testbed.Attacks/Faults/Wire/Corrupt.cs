using Testbed.Attacks.Api;
using Testbed.Wire;

namespace Testbed.Attacks.Faults.Wire;

/// <summary><c>corrupt</c>: flips <c>bits</c> random bits of the encoded envelope, anywhere in the frame.</summary>
public sealed class Corrupt : WireFault
{
    private int _bits = 1;

    /// <inheritdoc />
    public override string Kind => "corrupt";

    /// <inheritdoc />
    public override string Description => "flips 'bits' random bits of the encoded envelope, anywhere in the frame";

    /// <inheritdoc />
    protected override void ConfigureFault(AttackOptions options) => _bits = options.Integer("bits", 1, 1, 64);

    /// <inheritdoc />
    protected override ValueTask<InterceptDecision> ActAsync(WireMessage message, CancellationToken cancellationToken)
    {
        var frame = message.Frame.ToArray();
        for (var i = 0; i < _bits; i++)
        {
            var bit = (long)(Context.Next() * frame.Length * 8);
            frame[bit / 8] ^= (byte)(1 << (int)(bit % 8));
        }

        return ValueTask.FromResult(InterceptDecision.ReplaceFrame(frame));
    }
}
