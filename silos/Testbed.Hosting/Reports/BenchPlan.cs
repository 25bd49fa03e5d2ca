namespace Testbed.Hosting.Reports;

/// <summary>Names of the transports and load modes the cluster benchmark knows.</summary>
public static class BenchNames
{
    /// <summary>Orleans connections in the clear (the in-memory transport as it is).</summary>
    public const string Plain = "plain";

    /// <summary>Orleans' own mutual TLS on every connection (Microsoft.Orleans.Connections.Security).</summary>
    public const string OrleansTls = "orleans-tls";

    /// <summary>Closed loop: N clients, each issuing its next operation when the last one completes (max throughput).</summary>
    public const string Closed = "closed";

    /// <summary>Open loop: operations arrive at a fixed rate (latency under load).</summary>
    public const string Open = "open";

    /// <summary>The baseline preset every ratio is against.</summary>
    public const string BaselinePreset = "none";

    /// <summary>The transports, baseline first.</summary>
    public static IReadOnlyList<string> Transports { get; } = [Plain, OrleansTls];

    /// <summary>The load modes.</summary>
    public static IReadOnlyList<string> Modes { get; } = [Closed, Open];

    /// <summary>A payload size for people: "64 B", "1 KiB", "16 KiB", "1 MiB".</summary>
    public static string Size(int bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)} MiB",
        >= 1024 when bytes % 1024 == 0 => $"{bytes / 1024} KiB",
        _ => $"{bytes} B",
    };
}

/// <summary>One cell of the matrix: a preset on a transport, with a payload size and a load mode.</summary>
public sealed record BenchCase(string Preset, string Transport, int PayloadBytes, string Mode)
{
    /// <summary>The baseline cell this one is compared with: <c>none</c> on <c>plain</c>, same payload and mode.</summary>
    public BenchCase Baseline => this with { Preset = BenchNames.BaselinePreset, Transport = BenchNames.Plain };

    /// <inheritdoc />
    public override string ToString() => $"{Preset} · {Transport} · {PayloadBytes} B · {Mode}";
}

/// <summary>
/// What the cluster benchmark runs: presets × transports × payload sizes × modes, each run on a fresh embedded cluster,
/// all cells once per repetition (interleaved, the order reversed every other repetition), after an optional warm-up
/// repetition whose runs are discarded.
/// </summary>
public sealed record BenchPlan
{
    /// <summary>Defense presets (or layer names); <c>none</c> first (it is the baseline).</summary>
    public IReadOnlyList<string> Presets { get; init; } = ["none", "signed", "tls-like", "zero-trust"];

    /// <summary>Transports; <c>plain</c> first (it is the baseline).</summary>
    public IReadOnlyList<string> Transports { get; init; } = BenchNames.Transports;

    /// <summary>Order padding in bytes (the payload size of each order).</summary>
    public IReadOnlyList<int> Payloads { get; init; } = [64, 1024, 16384];

    /// <summary>Load modes.</summary>
    public IReadOnlyList<string> Modes { get; init; } = [BenchNames.Closed];

    /// <summary>Arrival rate of the open loop, operations per second.</summary>
    public double Rate { get; init; } = 1000;

    /// <summary>Measured repetitions (each runs every cell once).</summary>
    public int Repetitions { get; init; } = 3;

    /// <summary>Whether a discarded warm-up repetition comes first.</summary>
    public bool WarmupRepetition { get; init; } = true;

    /// <summary>Measured operations per run.</summary>
    public int Operations { get; init; } = 10_000;

    /// <summary>Operations each run does on its fresh cluster before measuring (sessions, keys, JIT, connections warm).</summary>
    public int WarmupOperations { get; init; } = 2500;

    /// <summary>Closed-loop clients.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Where each run's cluster lives: embedded (one process) or processes (silo processes over TCP, Redis membership).</summary>
    public Scenarios.ClusterMode Cluster { get; init; } = Scenarios.ClusterMode.Embedded;

    /// <summary>Silos per cluster.</summary>
    public int Silos { get; init; } = 2;

    /// <summary>Accounts (and customers) of the payments workload.</summary>
    public int Accounts { get; init; } = 32;

    /// <summary>The cells of one repetition in their forward order: mode, then payload, then transport, then preset.</summary>
    public IReadOnlyList<BenchCase> Cases() =>
        [.. from mode in Modes from payload in Payloads from transport in Transports from preset in Presets select new BenchCase(preset, transport, payload, mode)];

    /// <summary>Repetitions run, the warm-up one included.</summary>
    public int TotalRepetitions => Repetitions + (WarmupRepetition ? 1 : 0);

    /// <summary>Runs in the whole invocation.</summary>
    public int TotalRuns => Cases().Count * TotalRepetitions;

    /// <summary>The cells of repetition <paramref name="index"/> (0-based, the warm-up one included) in the order they run.</summary>
    public IReadOnlyList<BenchCase> Order(int index)
    {
        var cases = Cases();
        return index % 2 == 0 ? cases : [.. cases.Reverse()];
    }
}

/// <summary>
/// One run of one cell. <see cref="Repetition"/> is 1-based for measured repetitions and 0 for the warm-up one.
/// <see cref="CpuMicrosPerOp"/> is the whole process's CPU time over the measured phase per operation (silos, client and
/// workload share the process); <see cref="AllocBytesPerOp"/> likewise for bytes allocated. <see cref="Error"/> says why
/// the run cannot be compared (it crashed, or an expectation failed: an invariant, or a false alarm); null when it can.
/// </summary>
public sealed record BenchRun(
    BenchCase Case,
    int Repetition,
    bool WarmUp,
    long Operations,
    double GoodputPerSec,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    double CpuMicrosPerOp,
    double AllocBytesPerOp,
    bool Passed,
    long SecurityEvents,
    string? Error);
