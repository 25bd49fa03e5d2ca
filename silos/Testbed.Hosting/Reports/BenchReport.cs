namespace Testbed.Hosting.Reports;

/// <summary>Min, median and max of one measure across a benchmark's repetitions.</summary>
public sealed record Spread3(double Min, double Median, double Max);

/// <summary>
/// One cell of the cluster benchmark: the payments workload under one defense preset, one transport (<c>plain</c>,
/// <c>orleans-tls</c> — Orleans' own mutual TLS between silos and client), one payload size and one load mode
/// (<c>closed</c>: max throughput; <c>open</c>: fixed rate, latency under load). Absolute figures are medians over the
/// repetitions; ratios are against the <c>none</c>/<c>plain</c> cell of the same payload and mode, measured in the same
/// invocation, repetition by repetition.
/// </summary>
public sealed record BenchCell(
    string Preset,
    string Transport,
    int PayloadBytes,
    string Mode,
    double GoodputPerSec,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    double CpuMicrosPerOp,
    double AllocBytesPerOp,
    Spread3 GoodputRatio,
    Spread3 P99Ratio);

/// <summary>A benchmark invocation as the report and <c>bench.json</c> show it.</summary>
public sealed record BenchReport(
    string Title,
    string Command,
    string Machine,
    int Cores,
    int Repetitions,
    int Operations,
    IReadOnlyList<BenchCell> Cells,
    IReadOnlyList<string> Notes);
