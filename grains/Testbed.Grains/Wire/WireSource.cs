namespace Testbed.Wire;

/// <summary>
/// Where a delivered frame came from on the transport: the grain whose Orleans call carried it to the endpoint, as the
/// Orleans runtime stamped it on the message (<see cref="IGrainCallContext.SourceId"/>; for a call made outside any grain
/// — an in-process injector's — the calling silo's hosted client). Every byte of a frame, the sender it claims included,
/// is chosen by whoever put it on the wire; this is not, as a connection's peer address is not. For a service's own
/// traffic it is the service's principal id ("payments/0"). It is an origin, not an identity: defenses may limit by it
/// (the rate limiter's admission does), never authenticate with it.
/// </summary>
public static class WireSource
{
    /// <summary>The origin of a call the runtime names no source for.</summary>
    public const string Unknown = "unknown";

    private static readonly AsyncLocal<string?> Origin = new();

    /// <summary>The origin of the grain call being handled on this flow (set by <see cref="InvokeAsync"/>), else null.</summary>
    public static string? Current => Origin.Value;

    /// <summary>
    /// Runs the call of <paramref name="context"/> with its origin as <see cref="Current"/> (an incoming grain call filter
    /// step: endpoints run it for every call they take, so a frame's origin is known while it is opened).
    /// </summary>
    public static async Task InvokeAsync(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Origin.Value = context.SourceId is { } source ? source.ToString() : Unknown;
        await context.Invoke();
    }
}
