using Testbed.Envelopes;

namespace Testbed.Wire;

/// <summary>
/// The one path every service-to-service envelope takes. Service code gets an <see cref="IWire"/> and nothing else
/// that can reach another service: the request is encoded, shown to taps, run through interceptors, delivered to the
/// recipient's endpoint grain, and the reply comes back the same way.
/// </summary>
public interface IWire
{
    /// <summary>Sends <paramref name="request"/> to its recipient and returns the decoded reply envelope.</summary>
    /// <exception cref="EnvelopeLostException">The request or its reply was dropped on the wire.</exception>
    /// <exception cref="MalformedReplyException">The reply could not be decoded (e.g. corrupted in flight).</exception>
    ValueTask<Envelope> SendAsync(Envelope request, CancellationToken cancellationToken = default);
}

/// <summary>Which leg of an exchange a message is on.</summary>
public enum WireDirection
{
    /// <summary>Sender → recipient.</summary>
    Request,
    /// <summary>Recipient → sender (the reply to a request).</summary>
    Reply,
}

/// <summary>Thrown to the sender when an interceptor or fault dropped the request or its reply.</summary>
public sealed class EnvelopeLostException(string message) : Exception(message);

/// <summary>Thrown to the sender when the reply frame failed strict decoding.</summary>
public sealed class MalformedReplyException(EnvelopeError error) : Exception($"malformed reply: {error}")
{
    /// <summary>Why decoding failed.</summary>
    public EnvelopeError Error { get; } = error;
}
