using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Testbed.Fuzz.Engine;

namespace Testbed.Fuzz;

/// <summary>The harness's console table and fuzz.json.</summary>
public static class FuzzReport
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>One line per target: inputs, accepted, crashes, violations, known, malleable, slow, inputs/s, seconds.</summary>
    public static string Table(IReadOnlyList<string> names, IReadOnlyList<(TargetResult? Result, string? Error)> results)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"target",-20} {"inputs",12} {"accepted",12} {"crashes",8} {"violations",10} {"known",6} {"malleable",9} {"slow",5} {"inputs/s",10} {"time",8}");
        for (var i = 0; i < names.Count; i++)
        {
            if (results[i].Result is not { } r)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{names[i],-20} could not run: {results[i].Error?.Split('\n')[0]}");
                continue;
            }

            text.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Target,-20} {r.Inputs,12:N0} {r.Accepted,12:N0} {r.Crashes,8:N0} {r.Violations,10:N0} {r.Known,6:N0} {r.Malleable,9:N0} {r.Slow,5:N0} {r.InputsPerSecond,10:N0} {r.Seconds,7:F1}s");
        }

        return text.ToString();
    }

    /// <summary>
    /// Runs <paramref name="target"/> once on <paramref name="input"/> and writes the verdict (or the exception) and the
    /// time taken; 1 when it crashed or broke the property. A stateful (pipeline) target runs it against a fresh
    /// exchange, so only stateless targets replay exactly.
    /// </summary>
    public static int Replay(string target, byte[] input, TextWriter output)
    {
        using var fuzzTarget = Targets.TargetCatalog.Create(target);
        fuzzTarget.BeforeInput(0);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var verdict = fuzzTarget.Run(0, input);
            output.WriteLine($"{target}: {(verdict.Accepted ? "accepted" : "refused")}{(verdict.Finding is { } kind ? $", {kind}: {verdict.Key}: {verdict.Detail}" : "")} in {clock.Elapsed.TotalMilliseconds:F1} ms");
            return verdict.Finding is FindingKind.Crash or FindingKind.Violation ? 1 : 0;
        }
        catch (Exception e)
        {
            output.WriteLine($"{target}: crash after {clock.Elapsed.TotalMilliseconds:F1} ms: {e}");
            return 1;
        }
    }

    /// <summary>fuzz.json: the run (seed, inputs, command, machine) and every target's result and findings.</summary>
    public static string Json(FuzzArguments arguments, DateTimeOffset started, TimeSpan elapsed, IReadOnlyList<(TargetResult? Result, string? Error)> results, bool failed) =>
        JsonSerializer.Serialize(new
        {
            passed = !failed,
            seed = arguments.Seed,
            inputsPerTarget = arguments.Inputs,
            strict = arguments.Strict,
            command = $"dotnet run -c Release --project tests/Testbed.Fuzz -- --inputs {arguments.Inputs} --seed {arguments.Seed} --target {string.Join(',', arguments.Targets)}{(arguments.Strict ? " --strict" : "")}",
            startedAt = started,
            seconds = elapsed.TotalSeconds,
            machine = new { cores = Environment.ProcessorCount, os = RuntimeInformation.OSDescription, dotnet = RuntimeInformation.FrameworkDescription, jobs = arguments.Jobs },
            targets = arguments.Targets.Select((name, i) => results[i].Result is { } r
                ? (object)new
                {
                    target = r.Target, checks = r.Checks, failed = r.Failed(arguments.Strict), inputs = r.Inputs, accepted = r.Accepted,
                    crashes = r.Crashes, violations = r.Violations, known = r.Known, malleable = r.Malleable, slow = r.Slow,
                    inputsPerSecond = Math.Round(r.InputsPerSecond), seconds = Math.Round(r.Seconds, 2),
                    findings = r.Findings.Select(f => new
                    {
                        kind = f.Kind, key = f.Key, known = f.Known, why = KnownFindings.Explain(f.Key), count = f.Count, firstInput = f.FirstInput,
                        detail = f.Detail.Length > 2000 ? f.Detail[..2000] : f.Detail, files = f.Files,
                    }),
                    statistics = r.Statistics,
                }
                : new { target = name, failed = true, error = results[i].Error }),
        }, JsonOptions);
}
