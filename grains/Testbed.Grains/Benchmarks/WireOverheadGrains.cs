using System.Diagnostics;
using Orleans.Concurrency;
using Testbed.Envelopes;
using Testbed.Placement;
using Testbed.Services;
using Testbed.Wire;

namespace Testbed.Benchmarks;

/// <summary>The same information an envelope carries, as a plain Orleans-serialized message (the baseline).</summary>
[GenerateSerializer, Immutable]
public sealed record PlainMessage(
    [property: Id(0)] string Sender,
    [property: Id(1)] string Recipient,
    [property: Id(2)] ushort Kind,
    [property: Id(3)] ulong Sequence,
    [property: Id(4)] long TimestampMs,
    [property: Id(5)] byte[] Payload);

/// <summary>Baseline: a grain answering plain grain calls, no wire.</summary>
public interface IPlainEcho : IGrainWithStringKey
{
    /// <summary>Returns a reply carrying the same payload.</summary>
    Task<PlainMessage> Echo(PlainMessage message);
}

/// <summary>Baseline echo grain ("plain-echo/i").</summary>
[GrainType("plain-echo")]
[SpreadPlacement]
public sealed class PlainEchoGrain : Grain, IPlainEcho
{
    private ulong _sequence;

    /// <inheritdoc />
    public Task<PlainMessage> Echo(PlainMessage message) =>
        Task.FromResult(new PlainMessage(message.Recipient, message.Sender, (ushort)EnvelopeKind.EchoReply, ++_sequence, message.TimestampMs, message.Payload));
}

/// <summary>The same echo as a service behind the wire ("echo/i").</summary>
[GrainType("echo")]
[SpreadPlacement]
public sealed class EchoServiceGrain(IGrainContext context, ServiceRuntime runtime) : ServiceGrain(context, runtime)
{
    /// <inheritdoc />
    protected override ValueTask<Envelope> HandleAsync(Envelope request) =>
        ValueTask.FromResult(request.Kind == EnvelopeKind.Echo
            ? Reply(request, EnvelopeKind.EchoReply, request.Payload)
            : Reject(request, "echo accepts only Echo"));
}

/// <summary>Drives echo calls from inside the cluster so the measured path is grain → grain across silos.</summary>
public interface IWireBenchDriver : IGrainWithStringKey
{
    /// <summary>Makes <paramref name="calls"/> plain grain calls to plain-echo/<paramref name="target"/>; returns elapsed seconds.</summary>
    Task<double> RunPlain(int target, int calls, int concurrency, int payloadBytes);

    /// <summary>Makes <paramref name="calls"/> wire exchanges with echo/<paramref name="target"/>; returns elapsed seconds.</summary>
    Task<double> RunWire(int target, int calls, int concurrency, int payloadBytes);
}

/// <summary>
/// The benchmark driver ("bench/i"). It is the one grain allowed both paths — a grain factory for the baseline and the
/// wire for the measured path — and it lives outside <c>Testbed.Services</c>, where that is forbidden.
/// </summary>
[GrainType("bench")]
[SpreadPlacement]
[Reentrant]
public sealed class WireBenchDriverGrain(IGrainContext context, ServiceRuntime runtime, IGrainFactory grains)
    : ServiceGrain(context, runtime), IWireBenchDriver
{
    /// <inheritdoc />
    public Task<double> RunPlain(int target, int calls, int concurrency, int payloadBytes)
    {
        var echo = grains.GetGrain<IPlainEcho>(target.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var recipient = $"plain-echo/{target}";
        var payload = new byte[payloadBytes];
        ulong sequence = 0;
        return MeasureAsync(calls, concurrency, async () =>
        {
            var reply = await echo.Echo(new PlainMessage(Self, recipient, (ushort)EnvelopeKind.Echo, ++sequence, Time.GetUtcNow().ToUnixTimeMilliseconds(), payload));
            if (reply.Payload.Length != payloadBytes)
            {
                throw new InvalidOperationException("echo lost bytes");
            }
        });
    }

    /// <inheritdoc />
    public Task<double> RunWire(int target, int calls, int concurrency, int payloadBytes)
    {
        var recipient = $"echo/{target}";
        var payload = new byte[payloadBytes];
        return MeasureAsync(calls, concurrency, async () =>
        {
            var reply = await SendAsync(recipient, EnvelopeKind.Echo, payload);
            if (reply.Kind != EnvelopeKind.EchoReply || reply.Payload.Length != payloadBytes)
            {
                throw new InvalidOperationException($"unexpected echo reply {reply.Kind}");
            }
        });
    }

    /// <inheritdoc />
    protected override ValueTask<Envelope> HandleAsync(Envelope request) => ValueTask.FromResult(Reject(request, "the bench driver accepts no requests"));

    private static async Task<double> MeasureAsync(int calls, int concurrency, Func<Task> call)
    {
        var remaining = calls;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                await call();
            }
        }));
        return clock.Elapsed.TotalSeconds;
    }
}
