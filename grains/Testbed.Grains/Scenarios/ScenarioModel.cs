using Testbed.Storage;

namespace Testbed.Scenarios;

/// <summary>A validated scenario, as read from one YAML file by <see cref="ScenarioLoader"/>.</summary>
public sealed record Scenario
{
    /// <summary>Scenario name: 1 to 64 characters of <c>[a-z0-9-]</c>.</summary>
    public string Name { get; init; } = "";

    /// <summary>Free text, or null when the file gives none.</summary>
    public string? Description { get; init; }

    /// <summary>Seed for every random choice of the run (0..2^31-1).</summary>
    public int Seed { get; init; }

    /// <summary>The cluster to start.</summary>
    public ClusterSpec Cluster { get; init; } = new();

    /// <summary>The client load to drive.</summary>
    public WorkloadSpec Workload { get; init; } = new();

    /// <summary>Names of the defenses switched on, in file order.</summary>
    public IReadOnlyList<string> Defenses { get; init; } = [];

    /// <summary>The defense entries with their raw options and positions, in file order.</summary>
    public IReadOnlyList<DefenseSpec> DefenseSpecs { get; init; } = [];

    /// <summary>Faults injected during the run, in file order.</summary>
    public IReadOnlyList<ActionSpec> Faults { get; init; } = [];

    /// <summary>Attacks launched during the run, in file order.</summary>
    public IReadOnlyList<ActionSpec> Attacks { get; init; } = [];

    /// <summary>The pass criteria.</summary>
    public ExpectSpec Expect { get; init; } = new();

    /// <summary>The path (or source name) the scenario was read from.</summary>
    public string SourcePath { get; init; } = "";
}

/// <summary>Where the cluster under test runs.</summary>
public enum ClusterMode
{
    /// <summary>Orleans TestingHost in this process, over its in-memory transport (the default: nothing to install).</summary>
    Embedded,

    /// <summary><c>testbed silo</c> processes on 127.0.0.1 over TCP, with Redis membership and storage, started and stopped by the runner.</summary>
    Processes,

    /// <summary>A running cluster joined through its Redis (<see cref="ClusterSpec.Redis"/>, <see cref="ClusterSpec.ClusterId"/>); nothing is started.</summary>
    External,
}

/// <summary>
/// How fast Orleans' membership declares a silo dead (<c>ClusterMembershipOptions</c>): a silo that misses
/// <see cref="MissedProbes"/> probes of <see cref="ProbeTimeout"/> each is suspected, and <see cref="Votes"/> suspicions declare it dead.
/// </summary>
public sealed record MembershipSpec
{
    /// <summary>
    /// Defaults for real processes: a SIGKILLed silo is declared dead in about two seconds (3 × 500 ms plus the table
    /// write and gossip), where Orleans' production defaults (5 s, 3, 2) take about 15 s.
    /// </summary>
    public static MembershipSpec Fast { get; } = new();

    /// <summary>How long one probe may take before it counts as missed (100ms..30s, default 500ms).</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Missed probes after which a prober suspects the silo (1..10, default 3).</summary>
    public int MissedProbes { get; init; } = 3;

    /// <summary>Suspicions needed to declare the silo dead (1..10, default 2; Orleans caps it at half the active silos).</summary>
    public int Votes { get; init; } = 2;
}

/// <summary>Shape of the Orleans cluster under test.</summary>
public sealed record ClusterSpec
{
    /// <summary>The most silos a cluster may have.</summary>
    public const int MaxSilos = 8;

    /// <summary>
    /// Why the cluster cannot run in its mode (external needs <see cref="Redis"/> and <see cref="ClusterId"/>), or null.
    /// Checked when the file loads, and again after <c>--cluster</c> changes a scenario's mode.
    /// </summary>
    public string? ModeProblem() => Mode == ClusterMode.External && (Redis is null || ClusterId is null)
        ? "external mode joins a running cluster through its Redis: give cluster.redis and cluster.clusterId (or --redis and --cluster-id)"
        : null;

    /// <summary>Where it runs: embedded (default), processes or external.</summary>
    public ClusterMode Mode { get; init; } = ClusterMode.Embedded;

    /// <summary>
    /// The Orleans cluster id: required in external mode (the cluster to join); in processes mode null means a fresh id per
    /// run; unused when embedded.
    /// </summary>
    public string? ClusterId { get; init; }

    /// <summary>
    /// Membership timing; null means <see cref="MembershipSpec.Fast"/> for processes and external, and TestingHost's own
    /// timing when embedded.
    /// </summary>
    public MembershipSpec? Membership { get; init; }

    /// <summary>Orleans transport TLS (mutual, certificates from the run's authority) between every silo and the client.</summary>
    public bool TransportTls { get; init; }

    /// <summary>Number of silos, 1..8.</summary>
    public int Silos { get; init; } = 2;

    /// <summary>Where durable state (account balances and entries) is kept: embedded (default) or Redis.</summary>
    public StorageProvider Storage { get; init; } = StorageProvider.Embedded;

    /// <summary>
    /// The Redis connection string: of the storage when <see cref="Storage"/> is Redis, and of membership and storage in
    /// processes mode (null there: the runner starts a throw-away redis-server) and external mode (required).
    /// </summary>
    public string? Redis { get; init; }

    /// <summary>
    /// True when <see cref="Redis"/> is the embedded storage's default (127.0.0.1:6379), not written in the file: a
    /// <c>--cluster processes</c> run then starts a throw-away redis-server instead.
    /// </summary>
    public bool RedisDefaulted { get; init; }

    /// <summary>
    /// How long a grain call may take before its caller sees a timeout (100ms..5m, default 10s). A call caught on a
    /// crashed silo waits this long: kill scenarios set it low so their stragglers do not stretch the run.
    /// </summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>How the client load is generated.</summary>
public enum LoadMode
{
    /// <summary>A fixed number of clients, each issuing its next operation when the previous one completes.</summary>
    Closed,

    /// <summary>Operations issued at a target rate regardless of completions.</summary>
    Open,
}

/// <summary>The banking workload driven against the cluster.</summary>
public sealed record WorkloadSpec
{
    /// <summary>Number of accounts, 2..100000.</summary>
    public int Accounts { get; init; } = 20;

    /// <summary>Number of customers, 1..Accounts; customer i owns account i.</summary>
    public int Customers { get; init; } = 20;

    /// <summary>Starting balance of every account, 1..10^12.</summary>
    public long InitialBalance { get; init; } = 1000;

    /// <summary>Total client operations; exactly one of this and <see cref="Duration"/> is set.</summary>
    public int? Operations { get; init; } = 1000;

    /// <summary>Run length; exactly one of this and <see cref="Operations"/> is set.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Closed loop (fixed concurrency) or open loop (fixed rate).</summary>
    public LoadMode Mode { get; init; } = LoadMode.Closed;

    /// <summary>Concurrent clients of the closed loop, 1..1024.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Target operations per second of the open loop; set exactly when <see cref="Mode"/> is Open.</summary>
    public double? Rate { get; init; }

    /// <summary>Fraction of operations that are reads, 0..1.</summary>
    public double ReadFraction { get; init; } = 0.2;

    /// <summary>Largest amount moved by one order, 1..InitialBalance.</summary>
    public long MaxAmount { get; init; } = 100;

    /// <summary>Extra bytes carried in each order, 0..65536.</summary>
    public int PaddingBytes { get; init; }

    /// <summary>Number of payment shards, 1..64.</summary>
    public int PaymentShards { get; init; } = 2;

    /// <summary>When true an account acknowledges an already-applied order id without applying it again.</summary>
    public bool IdempotentOrders { get; init; } = true;

    /// <summary>How often a client retries a transfer with an indeterminate outcome, with the same order id, 0..10.</summary>
    public int Retries { get; init; } = 2;
}

/// <summary>A fault or attack: a registered kind (or a script's) active from <see cref="Start"/> to <see cref="Stop"/>.</summary>
public sealed record ActionSpec
{
    /// <summary>The registered fault or attack kind, or the kind the entry's <see cref="Script"/> declares.</summary>
    public string Kind { get; init; } = "";

    /// <summary>The C# file the entry names with <c>script:</c> (resolved against the scenario's folder), or null for a built-in kind.</summary>
    public ScriptSource? Script { get; init; }

    /// <summary>Offset from the start of the run at which the action begins.</summary>
    public TimeSpan Start { get; init; }

    /// <summary>Offset from the start of the run at which the action ends; always after <see cref="Start"/>.</summary>
    public TimeSpan Stop { get; init; }

    /// <summary>Every other key of the entry, with its raw scalar text; interpreted by the kind's implementation.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>1-based line of the entry in the scenario file.</summary>
    public int Line { get; init; }

    /// <summary>1-based column of the entry in the scenario file.</summary>
    public int Column { get; init; }
}

/// <summary>What must be true of the run for the scenario to pass.</summary>
public sealed record ExpectSpec
{
    /// <summary>Invariant names that must hold; <c>all</c> in the file is already expanded to the catalog's full list.</summary>
    public IReadOnlyList<string> Invariants { get; init; } = [];

    /// <summary>Minimum successful operations per second.</summary>
    public double MinGoodput { get; init; }

    /// <summary>Upper bound on the 99th percentile latency in milliseconds, or null for none.</summary>
    public double? MaxP99Ms { get; init; }

    /// <summary>
    /// When set, the run fails if the median latency in milliseconds is below this: a fault that claims to slow the
    /// network (delay) must be seen to do it.
    /// </summary>
    public double? MinP50Ms { get; init; }

    /// <summary>When set, the run fails if the defenses recorded more security events than this (0 = no false alarms).</summary>
    public long? MaxSecurityEvents { get; init; }

    /// <summary>Invariants the attacks are expected to break (they are then not in <see cref="Invariants"/>).</summary>
    public IReadOnlyList<string> Violated { get; init; } = [];

    /// <summary>Expected verdict counts (and times: <c>mttdMs</c>, <c>containmentMs</c>) per attack kind.</summary>
    public IReadOnlyList<AttackExpectation> Attacks { get; init; } = [];

    /// <summary>Expected counts per fault kind (<c>injected</c>), e.g. <c>duplicate: {injected: "&gt;0"}</c>.</summary>
    public IReadOnlyList<AttackExpectation> Faults { get; init; } = [];

    /// <summary>A condition on the run's total security events (kind "*", measure "securityEvents"), or null.</summary>
    public AttackExpectation? SecurityEvents { get; init; }

    /// <summary>
    /// Conditions on the events of one layer (kind "ratelimit") or one layer and reason (kind "ratelimit/source-blocked"),
    /// measure "securityEvents": e.g. that a flood was refused by the rate limiter, not only by the session layer.
    /// </summary>
    public IReadOnlyList<AttackExpectation> SecurityEventsBy { get; init; } = [];
}

/// <summary>How a verdict count is compared: <c>0</c>, <c>3</c>, <c>&gt;0</c>, <c>&gt;=2</c>, <c>&lt;=5</c>, <c>&lt;1</c>.</summary>
public enum CountComparison { Equal, Greater, GreaterOrEqual, Less, LessOrEqual }

/// <summary>
/// One expected count of one attack's verdicts (e.g. <c>replay: {succeeded: "&gt;0"}</c>) or of a figure it reports
/// (measure <c>details.&lt;name&gt;</c>, from <c>key-compromise: {details: {recordedBefore: "&gt;0"}}</c>), or of a fault's injections.
/// </summary>
public sealed record AttackExpectation(string Kind, string Measure, CountComparison Comparison, long Value, int Line, int Column)
{
    /// <summary>The prefix of a reported detail's measure name: <c>details.recordedBefore</c>.</summary>
    public const string DetailPrefix = "details.";

    /// <summary>The name of the reported detail this expectation judges (<c>recordedBefore</c>), or null for a verdict count.</summary>
    public string? Detail => Measure.StartsWith(DetailPrefix, StringComparison.Ordinal) ? Measure[DetailPrefix.Length..] : null;

    /// <summary>True when <paramref name="actual"/> satisfies the expectation.</summary>
    public bool Holds(long actual) => Holds((double)actual);

    /// <summary>True when <paramref name="actual"/> (a reported detail, possibly fractional) satisfies the expectation.</summary>
    public bool Holds(double actual) => Comparison switch
    {
        CountComparison.Equal => actual == Value,
        CountComparison.Greater => actual > Value,
        CountComparison.GreaterOrEqual => actual >= Value,
        CountComparison.Less => actual < Value,
        _ => actual <= Value,
    };

    /// <summary>The condition as written, e.g. "&gt;0".</summary>
    public string Condition => Comparison switch
    {
        CountComparison.Equal => $"{Value}",
        CountComparison.Greater => $">{Value}",
        CountComparison.GreaterOrEqual => $">={Value}",
        CountComparison.Less => $"<{Value}",
        _ => $"<={Value}",
    };
}

/// <summary>
/// One entry of <c>defenses:</c> — a name (a layer or a preset) and its options as written, e.g.
/// <c>- session</c> or <c>- {name: session, rekeyAfterMessages: 1000}</c>.
/// </summary>
public sealed record DefenseSpec
{
    /// <summary>The layer or preset name.</summary>
    public required string Name { get; init; }

    /// <summary>Options as their scalar text (empty without options).</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>1-based line of the entry.</summary>
    public int Line { get; init; }

    /// <summary>1-based column of the entry.</summary>
    public int Column { get; init; }
}
