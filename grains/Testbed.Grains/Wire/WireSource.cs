namespace Testbed.Wire;

/// <summary>
/// Where a delivered frame came from on the transport: the grain whose Orleans call carried it to the endpoint, as the
/// Orleans runtime stamped it on the message (<see cref="IGrainCallContext.SourceId"/>; for a call made outside any grain
/// — an in-process injector's — the calling silo's hosted client). Every byte of a frame, the sender it claims included,
/// is chosen by whoever put it on the wire; this is not, as a connection's peer address is not. For a service's own
/// traffic it is the service's principal id ("payments/0"). It is an origin, not an identity: defenses may limit by it
/// (the rate limiter's admission does), never authenticate with it. Recorded by <see cref="WireSourceFilter"/>, which
/// <c>AddTestbedDefenses</c> registers on a silo whose services run a defense stack (without one nothing reads it, and
/// the wire with nothing attached pays nothing for it).
/// </summary>
public static class WireSource
{
    /// <summary>The origin of a call the runtime names no source for.</summary>
    public const string Unknown = "unknown";

    private static readonly AsyncLocal<string?> Origin = new();

    /// <summary>The origin of the delivery being handled on this flow (set by <see cref="WireSourceFilter"/>), else null.</summary>
    public static string? Current => Origin.Value;

    /// <summary>Runs the call of <paramref name="context"/> with its origin as <see cref="Current"/>.</summary>
    internal static async Task InvokeAsync(IIncomingGrainCallContext context)
    {
        Origin.Value = context.SourceId is { } source ? source.ToString() : Unknown;
        await context.Invoke();
    }
}

/// <summary>An incoming grain call filter: every delivery to an <see cref="IEnvelopeEndpoint"/> runs with its <see cref="WireSource"/>.</summary>
public sealed class WireSourceFilter : IIncomingGrainCallFilter
{
    /// <inheritdoc />
    public Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Grain is IEnvelopeEndpoint ? WireSource.InvokeAsync(context) : context.Invoke();
    }
}
