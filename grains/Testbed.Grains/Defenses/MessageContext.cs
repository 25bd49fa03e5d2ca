using Testbed.Wire;

namespace Testbed.Defenses;

/// <summary>
/// One message's passage through the pipeline. Layers share what they learn through it: the channel layer sets
/// <see cref="Session"/>, authenticating layers set <see cref="Authenticated"/>. An inbound request also carries its
/// <see cref="Source"/> on the transport. A reply is sealed with the context its request was opened with
/// (<see cref="ForReply"/>), so it goes back on the same session.
/// </summary>
public sealed class MessageContext
{
    /// <summary>The local principal's endpoint.</summary>
    public required DefenseEndpoint Endpoint { get; init; }

    /// <summary>The remote principal: the recipient when sealing, the claimed sender when opening.</summary>
    public required string Peer { get; init; }

    /// <summary>Whether this message is a request or a reply.</summary>
    public required WireDirection Direction { get; init; }

    /// <summary>
    /// Where an inbound request came from on the transport (<see cref="WireSource"/>: the grain whose call carried the
    /// frame, as the runtime stamped it). Unlike <see cref="Peer"/>, the sender a frame claims, whoever put the frame on the
    /// wire cannot choose it — but it is an origin, not an identity: limit by it, never authenticate with it. Null when the
    /// pipeline runs outside a delivery (sealing, replies).
    /// </summary>
    public string? Source { get; init; }

    /// <summary>Session state set by the channel layer (null without one).</summary>
    public object? Session { get; set; }

    /// <summary>True once a layer has verified who sent the message.</summary>
    public bool Authenticated { get; set; }

    /// <summary>
    /// When opening a reply: the sequence number of the request it must answer (the request as it went on the wire), or 0
    /// when the exchange has no request to bind to. The pipeline refuses an authenticated reply whose
    /// <see cref="Envelopes.Envelope.InReplyTo"/> differs (<c>reply-mismatch</c>).
    /// </summary>
    public ulong Answers { get; private init; }

    /// <summary>When sealing a request: its sequence number as the pipeline put it on the wire (set by the pipeline).</summary>
    public ulong SealedSequence { get; internal set; }

    private List<IDisposable>? _held;

    /// <summary>Holds <paramref name="resource"/> (e.g. a concurrency lease) until the request has been handled and answered.</summary>
    public void Hold(IDisposable resource) => (_held ??= []).Add(resource);

    /// <summary>Releases everything held; called by the service once the reply is sealed (or handling failed).</summary>
    public void Release()
    {
        if (_held is null)
        {
            return;
        }

        foreach (var resource in _held)
        {
            resource.Dispose();
        }

        _held = null;
    }

    /// <summary>The context for sealing the reply to the request this context opened (same session, opposite direction).</summary>
    public MessageContext ForReply() => new() { Endpoint = Endpoint, Peer = Peer, Direction = WireDirection.Reply, Session = Session };

    /// <summary>The context for opening the reply to the request this context sealed: the reply must answer that request.</summary>
    public MessageContext ForResponse() =>
        new() { Endpoint = Endpoint, Peer = Peer, Direction = WireDirection.Reply, Session = Session, Answers = SealedSequence };
}

/// <summary>
/// One principal's end of the pipeline: its identity, the silo's defense environment, and per-layer state (session
/// tables, replay windows) that lives as long as the principal's grain activation.
/// </summary>
public sealed class DefenseEndpoint(string principal, DefenseEnvironment environment)
{
    private readonly Dictionary<Type, object> _state = [];

    /// <summary>The principal this endpoint speaks for.</summary>
    public string Principal { get; } = principal;

    /// <summary>The silo's shared defense services.</summary>
    public DefenseEnvironment Environment { get; } = environment;

    /// <summary>The state of type <typeparamref name="T"/>, created on first use. Grain turns are single-threaded, so no lock is needed.</summary>
    public T State<T>(Func<T> create) where T : class
    {
        if (!_state.TryGetValue(typeof(T), out var value))
        {
            value = create();
            _state[typeof(T)] = value;
        }

        return (T)value;
    }

    /// <summary>
    /// Called when the principal's activation ends gracefully (deactivation): closes every state that implements
    /// <see cref="IClosingEndpointState"/>, so state that outlives the activation can record how it ended.
    /// </summary>
    public async Task CloseAsync()
    {
        foreach (var state in _state.Values.OfType<IClosingEndpointState>().ToArray())
        {
            await state.CloseAsync();
        }
    }
}

/// <summary>Endpoint state told when its activation ends gracefully (<see cref="DefenseEndpoint.CloseAsync"/>); never throws.</summary>
public interface IClosingEndpointState
{
    /// <summary>The activation is ending: nothing more is accepted through this endpoint.</summary>
    Task CloseAsync();
}
