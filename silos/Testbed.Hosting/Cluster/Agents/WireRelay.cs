using System.Threading.Channels;
using Testbed.Wire;

namespace Testbed.Hosting.Cluster.Agents;

/// <summary>A message relayed from one silo process's wire to the adversaries' silo.</summary>
[GenerateSerializer, Immutable]
public sealed record RelayedMessage(
    [property: Id(0)] WireDirection Direction,
    [property: Id(1)] byte[] Frame,
    [property: Id(2)] string Recipient,
    [property: Id(3)] string Silo,
    [property: Id(4)] bool Injected)
{
    /// <summary>Of a message this wire carries.</summary>
    public static RelayedMessage Of(WireMessage message) => new(message.Direction, message.Frame, message.Recipient, message.Silo, message.Injected);

    /// <summary>As a message of the receiving wire.</summary>
    public WireMessage ToWireMessage() => WireMessage.Relayed(Direction, Frame, Recipient, Silo, Injected, TimeProvider.System.GetTimestamp());
}

/// <summary>
/// How an adversary sees and acts on the traffic of every silo process while living in one (silo 0): each other silo's
/// wire relays what it carries to the adversaries' silo (<see cref="WireHooks.ObserveRelayed"/>,
/// <see cref="WireHooks.InterceptRelayedAsync"/>). With interceptors there, every message waits for their decision (and
/// is observed in the same call, so observation comes first, as on one wire); with taps only, observations go in
/// batches, one way. One adversary, one knowledge, one attempt log: it judges once, as on an embedded cluster.
/// </summary>
internal sealed class WireRelay : IWireTap, IWireInterceptor, IAsyncDisposable
{
    private const int BatchSize = 64;

    private readonly ISiloAgent _hub;
    private readonly bool _intercept;
    private readonly Channel<RelayedMessage> _observed = Channel.CreateBounded<RelayedMessage>(
        new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly List<IDisposable> _attachments = [];
    private readonly Task _sending;

    public WireRelay(WireHooks hooks, ISiloAgent hub, bool taps, bool interceptors)
    {
        _hub = hub;
        _intercept = interceptors;
        if (interceptors)
        {
            _attachments.Add(hooks.Attach((IWireInterceptor)this));
        }
        else if (taps)
        {
            _attachments.Add(hooks.Attach((IWireTap)this));
        }

        _sending = SendObservationsAsync();
    }

    public void Observe(WireMessage message) => _observed.Writer.TryWrite(RelayedMessage.Of(message));

    public async ValueTask<InterceptDecision> InterceptAsync(WireMessage message, CancellationToken cancellationToken)
    {
        var decision = await _hub.RelayIntercept(RelayedMessage.Of(message));
        return decision switch
        {
            { Dropped: true } => InterceptDecision.Drop,
            { Frame: { } frame } => InterceptDecision.ReplaceFrame(frame), // with copies too, the replacement wins: rare, and said in docs
            { Copies: > 0 } => InterceptDecision.Duplicate(decision.Copies),
            _ => InterceptDecision.Pass,
        };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var attachment in _attachments)
        {
            attachment.Dispose();
        }

        _observed.Writer.TryComplete();
        await _sending.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task SendObservationsAsync()
    {
        var batch = new List<RelayedMessage>(BatchSize);
        while (await _observed.Reader.WaitToReadAsync())
        {
            while (batch.Count < BatchSize && _observed.Reader.TryRead(out var message))
            {
                batch.Add(message);
            }

            try
            {
                await _hub.RelayObserved([.. batch]);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                // The adversaries' silo did not take them: observations are best effort, as a tap on a real network is.
            }

            batch.Clear();
        }
    }
}
