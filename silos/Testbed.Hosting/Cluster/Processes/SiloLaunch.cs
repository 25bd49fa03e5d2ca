using System.Text.Json;
using System.Text.Json.Serialization;
using Testbed.Scenarios;

namespace Testbed.Hosting.Cluster.Processes;

/// <summary>
/// Everything one <c>testbed silo</c> process needs to host its silo. The public part comes from the command line; a
/// runner that starts the process adds the rest (the scenario, membership timing, key material) as one JSON line on the
/// child's stdin, so that nothing secret is ever in argv, the environment or a file.
/// </summary>
public sealed record SiloLaunch
{
    /// <summary>The silo's name (Orleans <c>SiloOptions.SiloName</c>).</summary>
    public string Name { get; init; } = "silo";

    /// <summary>Redis connection string of membership and grain storage.</summary>
    public string Redis { get; init; } = "127.0.0.1:6379";

    /// <summary>Orleans cluster id.</summary>
    public string ClusterId { get; init; } = "testbed";

    /// <summary>Orleans service id (the prefix of every Redis key the run writes); defaults to the cluster id.</summary>
    public string? ServiceId { get; init; }

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Client gateway port.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>The address (or host name) other silos and clients reach this silo at; anything but loopback listens on every interface.</summary>
    public string Advertise { get; init; } = "127.0.0.1";

    /// <summary>The services and defenses of the run the silo serves, or null for the defaults (no defenses).</summary>
    public SiloServices? Services { get; init; }

    /// <summary>Membership timing (default <see cref="MembershipSpec.Fast"/>).</summary>
    public MembershipLaunch? Membership { get; init; }

    /// <summary>Activate the certificate authority here before reporting ready (the runner's first silo).</summary>
    public bool HostsAuthority { get; init; }

    /// <summary>Redis keys expire after this long (throw-away runs), or never (null).</summary>
    public TimeSpan? EntryExpiry { get; init; }

    /// <summary>Add the silo side of Orleans' dashboard (the runner serves the page).</summary>
    public bool Dashboard { get; init; }

    /// <summary>The external run the silo serves (its grain state lives under this run's key prefix), or null.</summary>
    public string? RunId { get; init; }

    /// <summary>Orleans transport TLS: the silo's certificate and the authority it trusts (null: plain TCP).</summary>
    public TransportTlsLaunch? TransportTls { get; init; }

    /// <summary>The runner's process id: the silo exits when its parent is gone (0: no parent to watch).</summary>
    public int ParentPid { get; init; }

    /// <summary>The effective service id.</summary>
    [JsonIgnore]
    public string EffectiveServiceId => ServiceId ?? ClusterId;

    /// <inheritdoc />
    /// <remarks>Names no secret: the Redis connection string without its password, no key material.</remarks>
    public override string ToString() =>
        $"SiloLaunch {{ name: {Name}, cluster: {ClusterId}, service: {EffectiveServiceId}, ports: {SiloPort}/{GatewayPort}, advertise: {Advertise}, redis: {RedactedRedis()}, run: {RunId ?? "-"}, tls: {(TransportTls is null ? "off" : "on")} }}";

    private string RedactedRedis()
    {
        try
        {
            return StackExchange.Redis.ConfigurationOptions.Parse(Redis).ToString(includePassword: false);
        }
        catch (ArgumentException)
        {
            return "(unparsable)";
        }
    }

    /// <summary>The launch as one JSON line.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a launch line; <see cref="JsonException"/> when it is not one.</summary>
    public static SiloLaunch FromJson(string line) => JsonSerializer.Deserialize<SiloLaunch>(line, Json) ?? throw new JsonException("empty launch line");

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}

/// <summary>What of a scenario a silo needs: the seed, the workload's services and the defense entries.</summary>
public sealed record SiloServices(int Seed, WorkloadSpec Workload, IReadOnlyList<DefenseSpec> Defenses, TimeSpan ResponseTimeout)
{
    /// <summary>Of <paramref name="scenario"/>.</summary>
    public static SiloServices Of(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return new(scenario.Seed, scenario.Workload, scenario.DefenseSpecs, scenario.Cluster.ResponseTimeout);
    }

    /// <summary>A scenario carrying just these (what the silo's setup reads).</summary>
    public Scenario ToScenario() => new()
    {
        Name = "silo",
        Seed = Seed,
        Workload = Workload,
        DefenseSpecs = Defenses,
        Defenses = Defenses.Select(d => d.Name).ToArray(),
        Cluster = new ClusterSpec { ResponseTimeout = ResponseTimeout },
    };
}

/// <summary>
/// A silo's transport-TLS key material as it travels to the silo process on stdin: its certificate with the private key
/// (PKCS#12) and the authority's public certificate (DER). Never printed: <see cref="ToString"/> names no byte of it.
/// </summary>
public sealed record TransportTlsLaunch(byte[] Certificate, byte[] Authority)
{
    /// <inheritdoc />
    public override string ToString() => $"TransportTlsLaunch {{ certificate: {Certificate.Length} bytes (redacted) }}";
}

/// <summary>Membership timing as it travels to a silo process.</summary>
public sealed record MembershipLaunch(double ProbeTimeoutMs, int MissedProbes, int Votes)
{
    /// <summary>Of a scenario's spec.</summary>
    public static MembershipLaunch Of(MembershipSpec spec) => new(spec.ProbeTimeout.TotalMilliseconds, spec.MissedProbes, spec.Votes);

    /// <summary>Back to the spec.</summary>
    public MembershipSpec ToSpec() => new() { ProbeTimeout = TimeSpan.FromMilliseconds(ProbeTimeoutMs), MissedProbes = MissedProbes, Votes = Votes };
}

/// <summary>What a silo process prints on stdout, once, when its silo is active: <c>READY {json}</c>.</summary>
public sealed record SiloReady(string Name, string Address, int SiloPort, int GatewayPort, int Pid)
{
    /// <summary>The line's prefix.</summary>
    public const string Prefix = "READY ";

    /// <summary>The line.</summary>
    public string ToLine() => Prefix + JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a READY line, or null when <paramref name="line"/> is not one.</summary>
    public static SiloReady? TryParse(string? line)
    {
        if (line is null || !line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<SiloReady>(line[Prefix.Length..], Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
