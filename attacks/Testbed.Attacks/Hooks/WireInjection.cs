using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Attacks.Hooks;

/// <summary>Injection helpers: put an envelope on the wire claiming any sender, and read the reply.</summary>
public static class WireInjection
{
    /// <summary>
    /// Encodes <paramref name="forged"/> (whatever sender it claims) and injects it towards its recipient. Returns the
    /// decoded reply, or null with <paramref name="error"/> set when the reply does not decode.
    /// </summary>
    public static async Task<(Envelope? Reply, EnvelopeError Error)> InjectAsync(this WireHooks hooks, Envelope forged, CancellationToken cancellationToken = default)
    {
        var reply = await hooks.InjectAsync(forged.Recipient, EnvelopeCodec.Encode(forged), cancellationToken);
        return EnvelopeCodec.TryDecodeOwned(reply, out var envelope, out var error) ? (envelope, EnvelopeError.None) : (null, error);
    }
}
