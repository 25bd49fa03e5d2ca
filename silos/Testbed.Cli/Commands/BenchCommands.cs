using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Testbed.Benchmarks;
using Testbed.Hosting.Cluster;
using Testbed.Hosting.Runs;

namespace Testbed.Cli.Commands;

/// <summary><c>testbed bench …</c>: cluster benchmarks, each reported as ratios against a baseline measured in the same run.</summary>
internal static class BenchCommands
{
    public static Command Bench() => new("bench", "Cluster benchmarks (ratios against a baseline measured in the same run).") { Wire(), PresetBench.Command() };

    /// <summary>
    /// <c>testbed bench wire</c>: plain cross-silo grain calls vs the same exchange through the wire with nothing attached,
    /// interleaved A B / B A over several rounds after a warm-up.
    /// </summary>
    private static Command Wire()
    {
        var calls = Positive("--calls", 50_000, "Calls per path per round.");
        var rounds = Positive("--rounds", 20, "Measured rounds (each runs both paths, order alternating).");
        var concurrency = Positive("--concurrency", 16, "Concurrent calls in flight.");
        var payload = new Option<int>("--payload") { Description = "Payload bytes per message.", DefaultValueFactory = _ => 256 };
        payload.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 0 or > 1 << 20) { r.AddError("--payload must be 0..1048576"); } });
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Folder for bench-wire.json.", DefaultValueFactory = _ => new DirectoryInfo("results") };
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

    private static Option<int> Positive(string name, int defaultValue, string description)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) { r.AddError($"{name} must be at least 1"); } });
        return option;
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
        return new WireBenchResult(s, Stats.Of(plain), Stats.Of(wire), Stats.Of(ratios),
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

    private sealed record Stats(double Min, double Median, double Max)
    {
        public static Stats Of(IReadOnlyList<double> values)
        {
            var sorted = values.Order().ToArray();
            var mid = sorted.Length / 2;
            var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
            return new Stats(sorted[0], median, sorted[^1]);
        }
    }

    private sealed record WireBenchResult(WireBenchSettings Settings, Stats Plain, Stats Wire, Stats Ratio, bool CrossSilo, int Cores,
        IReadOnlyList<double> PlainRounds, IReadOnlyList<double> WireRounds);
}
