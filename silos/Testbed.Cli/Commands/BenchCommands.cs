using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Testbed.Benchmarks;
using Testbed.Hosting.Cluster;
using Testbed.Hosting.Reports;
using Testbed.Hosting.Runs;

namespace Testbed.Cli.Commands;

/// <summary><c>testbed bench …</c>: cluster benchmarks, each reported as ratios against a baseline measured in the same run.</summary>
internal static class BenchCommands
{
    public static Command Bench() => ClusterBenchCommand.Attach(new Command("bench",
        "The payments workload under each preset × transport (plain, Orleans TLS) × payload × load mode, as ratios to none/plain measured in the same run; " +
        "subcommands: presets, wire.") { Wire(), PresetBench.Command() });

    /// <summary>
    /// <c>testbed bench wire</c>: plain cross-silo grain calls vs the same exchange through the wire with nothing attached,
    /// interleaved A B / B A over several rounds after a warm-up.
    /// </summary>
    private static Command Wire()
    {
        var calls = BenchOptions.Integer("--calls", 50_000, "Calls per path per round.");
        var rounds = BenchOptions.Integer("--rounds", 20, "Measured rounds (each runs both paths, order alternating).");
        var concurrency = BenchOptions.Integer("--concurrency", 16, "Concurrent calls in flight.");
        var payload = BenchOptions.Integer("--payload", 256, "Payload bytes per message.", 0, 1 << 20);
        var outDir = BenchOptions.Out("bench-wire.json");
        var command = new Command("wire", "Cost of the wire with nothing attached vs plain Orleans grain calls (cross-silo).")
        {
            calls, rounds, concurrency, payload, outDir,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new WireBenchSettings(parse.GetValue(calls), parse.GetValue(rounds), parse.GetValue(concurrency), parse.GetValue(payload));
            var result = await RunWireAsync(settings, ct);
            Render(result);
            var dir = parse.GetValue(outDir)!;
            dir.Create();
            var path = Path.Combine(dir.FullName, "bench-wire.json");
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(result, ResultWriter.Json), ct);
            AnsiConsole.MarkupLineInterpolated($"[grey]{path}[/]");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static async Task<WireBenchResult> RunWireAsync(WireBenchSettings s, CancellationToken ct)
    {
        AnsiConsole.MarkupLine($"bench wire: {s.Calls} calls × {s.Rounds} rounds, concurrency {s.Concurrency}, payload {s.PayloadBytes} B, 2 silos");
        await using var cluster = await EmbeddedCluster.StartAsync(new EmbeddedClusterOptions { Silos = 2 }, ct);
        var driver = cluster.Client.GetGrain<IWireBenchDriver>("0");
        const int target = 1; // echo/1 and plain-echo/1 live on the other silo than bench/0
        for (var warmup = 0; warmup < 3; warmup++)
        {
            await driver.RunPlain(target, s.Calls, s.Concurrency, s.PayloadBytes);
            await driver.RunWire(target, s.Calls, s.Concurrency, s.PayloadBytes);
        }

        var plainHost = cluster.HostingSilo($"plain-echo/{target}");
        var wireHost = cluster.HostingSilo($"echo/{target}");
        var driverHost = cluster.HostingSilo("bench/0");

        var plain = new List<double>();
        var wire = new List<double>();
        for (var round = 0; round < s.Rounds; round++)
        {
            ct.ThrowIfCancellationRequested();
            // A B, then B A: drift (heating, background work) lands on both paths equally.
            if (round % 2 == 0)
            {
                plain.Add(await MeasureAsync(() => driver.RunPlain(target, s.Calls, s.Concurrency, s.PayloadBytes), s.Calls));
                wire.Add(await MeasureAsync(() => driver.RunWire(target, s.Calls, s.Concurrency, s.PayloadBytes), s.Calls));
            }
            else
            {
                wire.Add(await MeasureAsync(() => driver.RunWire(target, s.Calls, s.Concurrency, s.PayloadBytes), s.Calls));
                plain.Add(await MeasureAsync(() => driver.RunPlain(target, s.Calls, s.Concurrency, s.PayloadBytes), s.Calls));
            }
        }

        var ratios = plain.Zip(wire, (p, w) => w / p).ToArray();
        return new WireBenchResult(s, BenchAggregation.Spread(plain), BenchAggregation.Spread(wire), BenchAggregation.Spread(ratios),
            CrossSilo: driverHost is not null && driverHost != plainHost && driverHost != wireHost, Environment.ProcessorCount, plain, wire);
    }

    /// <summary>Starts each measured run from a collected heap, so one path's garbage is not charged to the other.</summary>
    private static async Task<double> MeasureAsync(Func<Task<double>> run, int calls)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return calls / await run();
    }

    private static void Render(WireBenchResult r)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]wire overhead[/] (ops/s, cross-silo: " + (r.CrossSilo ? "yes" : "[red]no[/]") + ")");
        foreach (var c in new[] { "path", "min", "median", "max" })
        {
            table.AddColumn(c);
        }

        table.AddRow("plain grain calls", $"{r.Plain.Min:F0}", $"{r.Plain.Median:F0}", $"{r.Plain.Max:F0}");
        table.AddRow("wire, nothing attached", $"{r.Wire.Min:F0}", $"{r.Wire.Median:F0}", $"{r.Wire.Max:F0}");
        table.AddRow("ratio wire/plain (per round)", $"{r.Ratio.Min:F3}", $"{r.Ratio.Median:F3}", $"{r.Ratio.Max:F3}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"median overhead: {(1 - r.Ratio.Median) * 100:F1}% (target ≤ 2%)");
    }

    private sealed record WireBenchSettings(int Calls, int Rounds, int Concurrency, int PayloadBytes);

    private sealed record WireBenchResult(WireBenchSettings Settings, Spread3 Plain, Spread3 Wire, Spread3 Ratio, bool CrossSilo, int Cores,
        IReadOnlyList<double> PlainRounds, IReadOnlyList<double> WireRounds);
}
