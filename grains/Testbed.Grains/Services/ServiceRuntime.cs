using Testbed.Defenses;
using Testbed.Wire;

namespace Testbed.Services;

/// <summary>
/// What a service grain runs on, one per silo: the silo's defense pipeline and the environment its layers use (which
/// holds the wire and the clock). Services get this and nothing that can reach another grain directly.
/// </summary>
public sealed class ServiceRuntime(DefensePipeline defenses, DefenseEnvironment environment)
{
    /// <summary>The wire.</summary>
    public IWire Wire => Environment.Wire;

    /// <summary>The clock.</summary>
    public TimeProvider Time => Environment.Time;

    /// <summary>The channel pipeline every envelope passes through on both ends.</summary>
    public DefensePipeline Defenses { get; } = defenses;

    /// <summary>The services the defense layers use.</summary>
    public DefenseEnvironment Environment { get; } = environment;
}

/// <summary>The sender's pipeline refused the reply to a request (e.g. an unauthenticated rejection or a forged reply).</summary>
public sealed class ReplyRejectedException(string layer, string reason)
    : Exception($"reply rejected by {layer}: {reason}")
{
    /// <summary>The layer that refused it.</summary>
    public string Layer { get; } = layer;

    /// <summary>Why.</summary>
    public string Reason { get; } = reason;
}

/// <summary>The request was never put on the wire (e.g. the session handshake was refused): it definitely had no effect.</summary>
public sealed class RequestNotSentException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// A service failed while handling a request. Thrown to the remote caller in place of the original exception, so a
/// failure deep in a call chain reaches the customer as an indeterminate outcome, never mistaken for a local one.
/// Orleans-serializable: it crosses silos.
/// </summary>
[GenerateSerializer]
public sealed class ServiceFaultException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ServiceFaultException(string message)
        : base(message)
    {
    }

    /// <summary>For the serializer.</summary>
    public ServiceFaultException()
    {
    }
}
