using System.Text.Json.Serialization;
using Testbed.Checking;
using Testbed.Scenarios;

namespace Testbed.Hosting.Runs;

/// <summary>Latency percentiles in milliseconds (HdrHistogram, 3 significant digits).</summary>
public sealed record LatencySummary(double P50, double P90, double P99, double Max);

/// <summary>Counts of client operations by completion, and the extra attempts of indeterminate transfers (same order id).</summary>
public sealed record OperationCounts(long Invoked, long Ok, long Fail, long Info, long Retries = 0);

/// <summary>
/// Where durable state went, and what writing it cost: records, writes and serialized bytes written over the whole run
/// (embedded provider only; null with Redis).
/// </summary>
public sealed record StorageSummary(
    string Provider,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Records = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Writes = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? BytesWritten = null)
{
    /// <summary>The summary of a cluster's storage.</summary>
    public static StorageSummary Of(Testbed.Storage.StorageProvider provider, Testbed.Storage.EmbeddedStateStore? store) =>
        new(provider.ToString().ToLowerInvariant(), store?.Count, store?.Writes, store?.BytesWritten);
}

/// <summary>The cluster a run ran on: its mode and silos, and for silo processes their ids, ports and what happened to them.</summary>
public sealed record ClusterSummary(string Mode, int Silos)
{
    /// <summary>The Orleans cluster id (processes and external).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ClusterId { get; init; }

    /// <summary>The Orleans service id: the prefix of the run's Redis keys.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ServiceId { get; init; }

    /// <summary>The Redis of membership and storage.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Redis { get; init; }

    /// <summary>Membership timing.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Scenarios.MembershipSpec? Membership { get; init; }

    /// <summary>Every silo process started, in start order (replacements included).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<SiloProcessSummary>? Processes { get; init; }

    /// <summary>Whether Orleans transport TLS ran between the silos and the client.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool TransportTls { get; init; }

    /// <summary>
    /// What the silos' sockets carried, from a tap outside TLS: connections, bytes read, TLS handshakes, and how many
    /// plaintext payment orders (the <c>"cardNumber":"</c> canary) crossed a socket in the clear (processes mode).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Cluster.Links.LinkSnapshot? Links { get; init; }

    /// <summary>What happened to the processes, in order ("silo-1 exited with code 137 (pid 4242)").</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Events { get; init; }
}

/// <summary>One silo process: its name, pid, ports and exit code (null: it ran until the end of the run).</summary>
public sealed record SiloProcessSummary(string Name, int Pid, int SiloPort, int GatewayPort, int? ExitCode);

/// <summary>One expectation of the scenario and whether it held.</summary>
public sealed record ExpectationResult(string Name, bool Passed, string Detail);

/// <summary>What the wire carried.</summary>
public sealed record WireSummary(long Requests, long Replies, long Bytes, long Dropped, long Delayed, long Replaced, long Duplicated, long Injected)
{
    /// <summary>Nothing carried.</summary>
    public static WireSummary None { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>A snapshot of the run's counters.</summary>
    public static WireSummary From(Testbed.Wire.WireStats s) => new(s.Requests, s.Replies, s.Bytes, s.Dropped, s.Delayed, s.Replaced, s.Duplicated, s.Injected);
}

/// <summary>Security events of a run: the total and counts per layer, then per reason.</summary>
public sealed record SecurityEventSummary(long Total, IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> ByLayer)
{
    /// <summary>No events.</summary>
    public static SecurityEventSummary None { get; } = new(0, new Dictionary<string, IReadOnlyDictionary<string, long>>());
}

/// <summary>A security event placed on the run's timeline: milliseconds from the start of the workload.</summary>
public sealed record Detection(double AtMs, string Layer, string Reason, string ClaimedSender, string Recipient)
{
    /// <summary>At most this many detections are listed (counts in <c>securityEvents</c> stay exact).</summary>
    public const int Limit = 2000;

    /// <summary>The first <see cref="Limit"/> events in time order, relative to <paramref name="workloadStartedAt"/>.</summary>
    public static IReadOnlyList<Detection> From(IEnumerable<Testbed.Defenses.SecurityEvent> events, DateTimeOffset workloadStartedAt) =>
        events.OrderBy(e => e.Time).Take(Limit)
            .Select(e => new Detection(Math.Round((e.Time - workloadStartedAt).TotalMilliseconds, 1), e.Layer, e.Reason, e.ClaimedSender, e.Recipient))
            .ToArray();
}

/// <summary>One invariant verdict as written to result.json.</summary>
public sealed record InvariantVerdict(string Name, string Description, bool Holds, IReadOnlyList<string> Counterexamples);

/// <summary>
/// The outcome of one scenario run: what <c>result.json</c> holds (see README, "Result JSON").
/// </summary>
public sealed record ScenarioResult
{
    /// <summary>Scenario name.</summary>
    public required string Name { get; init; }
    /// <summary>Scenario description, if any.</summary>
    public string? Description { get; init; }
    /// <summary>The seed every random choice came from.</summary>
    public required int Seed { get; init; }
    /// <summary>True when every expectation held.</summary>
    public required bool Passed { get; init; }
    /// <summary>Set when the run could not complete (the cluster failed); the expectations then fail.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
    /// <summary>Path of the scenario file.</summary>
    public required string Source { get; init; }
    /// <summary>Number of silos.</summary>
    public required int Silos { get; init; }
    /// <summary>UTC start of the run.</summary>
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>Wall time of the workload phase, in milliseconds.</summary>
    public required double DurationMs { get; init; }
    /// <summary>Acknowledged operations per second of workload wall time.</summary>
    public required double GoodputPerSec { get; init; }
    /// <summary>Client operation latency.</summary>
    public required LatencySummary LatencyMs { get; init; }
    /// <summary>Client operations by completion.</summary>
    public required OperationCounts Operations { get; init; }
    /// <summary>Checker verdicts.</summary>
    public required IReadOnlyList<InvariantVerdict> Invariants { get; init; }
    /// <summary>Scenario expectations and whether each held.</summary>
    public required IReadOnlyList<ExpectationResult> Expectations { get; init; }
    /// <summary>The preset named in the scenario, if any.</summary>
    public string? Preset { get; init; }
    /// <summary>The defense layers that ran, in pipeline (inbound) order.</summary>
    public required IReadOnlyList<string> Defenses { get; init; }
    /// <summary>Rejections recorded by the defenses.</summary>
    public SecurityEventSummary SecurityEvents { get; init; } = SecurityEventSummary.None;
    /// <summary>Each attack's verdicts.</summary>
    public required IReadOnlyList<Testbed.Attacks.Api.AttackResult> Attacks { get; init; }
    /// <summary>Each fault's window, targets, and what it actually did.</summary>
    public required IReadOnlyList<Testbed.Attacks.Faults.FaultResult> Faults { get; init; }
    /// <summary>Security events on the run's timeline (the first <see cref="Detection.Limit"/>).</summary>
    public IReadOnlyList<Detection> Detections { get; init; } = [];
    /// <summary>Wire counters.</summary>
    public required WireSummary Wire { get; init; }
    /// <summary>Durable state: the provider and (embedded) what was written.</summary>
    public StorageSummary Storage { get; init; } = new("embedded");
    /// <summary>The cluster the run ran on.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ClusterSummary? Cluster { get; init; }
    /// <summary>Completions per second of the run.</summary>
    public required IReadOnlyList<TimelineBucket> Timeline { get; init; }
    /// <summary>The scripts the scenario's entries named, in entry order (attacks, then faults): what exactly ran.</summary>
    public IReadOnlyList<ScriptRecord> Scripts { get; init; } = [];

    /// <summary>The full history (written to history.jsonl, not to result.json).</summary>
    [JsonIgnore]
    public IReadOnlyList<History.HistoryOp> History { get; init; } = [];

    /// <summary>The defenses as people read them: "tls-like: session, encrypt, replay", "none".</summary>
    public string DescribeDefenses() =>
        (Preset is null ? "" : $"{Preset}: ") + (Defenses.Count == 0 ? "none" : string.Join(", ", Defenses));

    internal static InvariantVerdict Verdict(InvariantResult r) => new(r.Name, r.Description, r.Holds, r.Counterexamples);
}

/// <summary>
/// A script an entry ran: the entry (<c>attacks[0]</c>), the kind its class declares, the file, the SHA-256 of the text
/// compiled, and how long its one compilation in this process took (a suite's later scenarios reuse it).
/// </summary>
public sealed record ScriptRecord(string Entry, string Kind, string Path, string Sha256, double CompileMs)
{
    internal static IReadOnlyList<ScriptRecord> Of(Scenario scenario) =>
    [
        .. Of("attacks", scenario.Attacks),
        .. Of("faults", scenario.Faults),
    ];

    private static IEnumerable<ScriptRecord> Of(string list, IReadOnlyList<ActionSpec> entries) =>
        entries.Select((e, i) => (e, i)).Where(x => x.e.Script is not null).Select(x => new ScriptRecord($"{list}[{x.i}]", x.e.Kind,
            x.e.Script!.Path, x.e.Script.Hash, Math.Round(Testbed.Attacks.Scripting.ScriptCompiler.Compile(x.e.Script).CompileTime.TotalMilliseconds, 1)));
}
