using System.Collections.Concurrent;
using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Tests.Cluster;

/// <summary>A tap that records every message it sees.</summary>
internal sealed class RecordingTap : IWireTap
{
    public ConcurrentQueue<(WireDirection Direction, Envelope? Envelope, bool Injected, int Bytes)> Seen { get; } = new();

    public void Observe(WireMessage message) => Seen.Enqueue((message.Direction, message.Envelope, message.Injected, message.Frame.Length));
}

/// <summary>An interceptor built from a function.</summary>
internal sealed class LambdaInterceptor(Func<WireMessage, InterceptDecision> decide) : IWireInterceptor
{
    public ValueTask<InterceptDecision> InterceptAsync(WireMessage message, CancellationToken cancellationToken) =>
        ValueTask.FromResult(decide(message));
}
