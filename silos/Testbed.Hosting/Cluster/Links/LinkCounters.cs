namespace Testbed.Hosting.Cluster.Links;

/// <summary>Which Orleans connections a link counter covers.</summary>
public enum LinkKind
{
    /// <summary>Silo-to-silo connections (both ends tapped on their read side, so every byte is counted once).</summary>
    Silo,
    /// <summary>Client-to-gateway connections, tapped at the gateway (what clients send).</summary>
    Gateway,
}

/// <summary>
/// What a silo's <see cref="LinkTap"/> saw on its sockets: connections, bytes read, TLS handshakes, and how often the
/// plaintext canary of the payments protocol (<see cref="Canary"/>, the field that carries a card number) crossed a
/// socket in the clear. With transport TLS on, the canary never appears in socket bytes; without it, every order does.
/// </summary>
public sealed class LinkCounters
{
    private long _siloConnections, _gatewayConnections, _siloBytes, _gatewayBytes, _siloCanaries, _gatewayCanaries, _tlsConnections;

    /// <summary>The bytes searched for: <c>"cardNumber":"</c>, as a payments order carries it in JSON.</summary>
    public static ReadOnlySpan<byte> Canary => "\"cardNumber\":\""u8;

    /// <summary>A snapshot, as the silo's agent reports it.</summary>
    public LinkSnapshot Snapshot() => new(
        Interlocked.Read(ref _siloConnections), Interlocked.Read(ref _siloBytes), Interlocked.Read(ref _siloCanaries),
        Interlocked.Read(ref _gatewayConnections), Interlocked.Read(ref _gatewayBytes), Interlocked.Read(ref _gatewayCanaries),
        Interlocked.Read(ref _tlsConnections));

    internal void Opened(LinkKind kind) => Interlocked.Increment(ref kind == LinkKind.Silo ? ref _siloConnections : ref _gatewayConnections);

    internal void Read(LinkKind kind, long bytes, int canaries)
    {
        Interlocked.Add(ref kind == LinkKind.Silo ? ref _siloBytes : ref _gatewayBytes, bytes);
        if (canaries > 0)
        {
            Interlocked.Add(ref kind == LinkKind.Silo ? ref _siloCanaries : ref _gatewayCanaries, canaries);
        }
    }

    internal void TlsEstablished() => Interlocked.Increment(ref _tlsConnections);
}

/// <summary>What a silo's sockets carried (see <see cref="LinkCounters"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record LinkSnapshot(
    [property: Id(0)] long SiloConnections,
    [property: Id(1)] long SiloBytes,
    [property: Id(2)] long SiloCanaries,
    [property: Id(3)] long GatewayConnections,
    [property: Id(4)] long GatewayBytes,
    [property: Id(5)] long GatewayCanaries,
    [property: Id(6)] long TlsConnections)
{
    /// <summary>Nothing seen (a silo without a tap).</summary>
    public static LinkSnapshot None { get; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>The sum of two silos' counters.</summary>
    public LinkSnapshot Plus(LinkSnapshot other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(SiloConnections + other.SiloConnections, SiloBytes + other.SiloBytes, SiloCanaries + other.SiloCanaries,
            GatewayConnections + other.GatewayConnections, GatewayBytes + other.GatewayBytes, GatewayCanaries + other.GatewayCanaries,
            TlsConnections + other.TlsConnections);
    }
}
