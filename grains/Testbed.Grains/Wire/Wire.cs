using System.Collections.Concurrent;
using Testbed.Envelopes;

namespace Testbed.Wire;

/// <summary>
/// The per-silo implementation of <see cref="IWire"/>. Encodes each request to its binary frame, lets taps and
/// interceptors act when any are attached to the run's <see cref="WireHooks"/>, delivers the frame to the recipient's
/// <see cref="IEnvelopeEndpoint"/> grain (which decodes it strictly) and strictly decodes the reply frame. With no hooks
/// attached the extra work over a plain grain call is one encode and one decode at each end and two striped counters.
/// </summary>
public sealed class Wire : IWire, IDisposable
{
    private readonly IGrainFactory _grains;
    private readonly WireHooks _hooks;
    private readonly TimeProvider _time;
    private readonly string _silo;
    private readonly ConcurrentDictionary<string, IEnvelopeEndpoint> _endpoints = new(StringComparer.Ordinal);

    /// <summary>Creates the wire of one silo and registers it with the run's hooks (for injection).</summary>
    public Wire(IGrainFactory grains, WireHooks hooks, TimeProvider time, string siloName)
    {
        _grains = grains;
        _hooks = hooks;
        _time = time;
        _silo = siloName;
        hooks.Register(this);
    }

    /// <inheritdoc />
    public async ValueTask<Envelope> SendAsync(Envelope request, CancellationToken cancellationToken = default)
    {
        var frame = EnvelopeCodec.Encode(request);
        _hooks.Stats.Request(frame.Length);
        var replyFrame = _hooks.IsEmpty
            ? await Endpoint(request.Recipient).Deliver(frame)
            : await SendHookedAsync(request, frame, cancellationToken);
        _hooks.Stats.Reply(replyFrame.Length);
        return EnvelopeCodec.TryDecodeOwned(replyFrame, out var reply, out var error) ? reply : throw new MalformedReplyException(error);
    }

    /// <summary>Delivers a raw frame claiming any sender; taps see it marked as injected, interceptors do not.</summary>
    internal async Task<byte[]> InjectAsync(string recipient, byte[] frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var endpoint = _grains.GetGrain<IEnvelopeEndpoint>(PrincipalAddress.ToGrainId(recipient)); // validates the address before anything is sent
        _hooks.Stats.Inject(frame.Length);
        var taps = _hooks.Taps;
        if (taps.Length > 0)
        {
            EnvelopeCodec.TryDecode(frame, out var envelope, out _);
            Observe(taps, new WireMessage(WireDirection.Request, frame, envelope, recipient, _silo, injected: true, _time.GetTimestamp()));
        }

        cancellationToken.ThrowIfCancellationRequested();
        return await endpoint.Deliver(frame);
    }

    /// <summary>Unregisters from the run's hooks when the silo shuts down.</summary>
    public void Dispose() => _hooks.Unregister(this);

    private async Task<byte[]> SendHookedAsync(Envelope request, byte[] frame, CancellationToken cancellationToken)
    {
        var endpoint = Endpoint(request.Recipient);
        var message = new WireMessage(WireDirection.Request, frame, request, request.Recipient, _silo, injected: false, _time.GetTimestamp());
        Observe(_hooks.Taps, message);
        var copies = await InterceptAsync(message, cancellationToken);
        var replyFrame = await endpoint.Deliver(message.Frame);
        for (var i = 0; i < copies; i++)
        {
            try
            {
                await endpoint.Deliver(message.Frame);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A duplicate's fate is invisible to the sender, exactly as on a real network.
            }
        }

        EnvelopeCodec.TryDecode(replyFrame, out var replyEnvelope, out _);
        var reply = new WireMessage(WireDirection.Reply, replyFrame, replyEnvelope, request.Sender, _silo, injected: false, _time.GetTimestamp());
        Observe(_hooks.Taps, reply);
        await InterceptAsync(reply, cancellationToken);
        return reply.Frame;
    }

    /// <summary>Runs the interceptor chain; returns how many extra copies of a request to deliver.</summary>
    private async ValueTask<int> InterceptAsync(WireMessage message, CancellationToken cancellationToken)
    {
        var (dropped, copies) = await WireHooks.InterceptChainAsync(_hooks.Interceptors, message, _hooks.Stats, countApplied: true, _time, cancellationToken);
        return dropped
            ? throw new EnvelopeLostException($"{message.Direction.ToString().ToLowerInvariant()} to {message.Recipient} dropped on the wire")
            : copies;
    }

    private static void Observe(IWireTap[] taps, WireMessage message)
    {
        foreach (var tap in taps)
        {
            tap.Observe(message);
        }
    }

    private IEnvelopeEndpoint Endpoint(string recipient) =>
        _endpoints.TryGetValue(recipient, out var endpoint)
            ? endpoint
            : _endpoints.GetOrAdd(recipient, r => _grains.GetGrain<IEnvelopeEndpoint>(PrincipalAddress.ToGrainId(r)));
}
