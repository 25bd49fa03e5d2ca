using Spectre.Console;
using Testbed.Attacks.Scripting;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Testbed.Cli.Commands;

/// <summary>
/// <c>testbed run --watch</c>, as mitmproxy reloads an addon: run, then watch the scenario file and every script it names
/// (by content, polled: editors that save by renaming are seen too); on a change run again — a scenario or script that
/// no longer loads shows its errors and watching goes on. Scripts of earlier versions are unloaded. Ctrl-C ends it with
/// the last run's exit code.
/// </summary>
internal static class ScenarioWatch
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public static async Task<int> RunAsync(string scenario, Func<CancellationToken, Task<int>> run, CancellationToken cancellationToken)
    {
        var exit = ExitCodes.BadInput;
        while (!cancellationToken.IsCancellationRequested)
        {
            // The files and their content before the run: an edit saved while the run goes on is a change too.
            var files = Watched(scenario);
            var before = files.Select(Hash).ToArray();
            try
            {
                exit = await run(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            ScriptCompiler.EvictOlderVersions(files.Skip(1).ToDictionary(f => f, Hash, StringComparer.Ordinal));
            AnsiConsole.MarkupLineInterpolated($"[grey]watching {string.Join(", ", files.Select(Path.GetFileName))} — Ctrl-C to stop[/]");
            if (!await ChangedAsync(files, before, cancellationToken))
            {
                break;
            }

            AnsiConsole.MarkupLine("[yellow]changed: running again[/]");
        }

        return exit;
    }

    /// <summary>The scenario and the scripts it names; when it does not load, the files its errors are in.</summary>
    internal static IReadOnlyList<string> Watched(string scenario)
    {
        try
        {
            var loaded = ScenarioLoader.LoadFile(scenario, TestbedCatalog.Default);
            return [scenario, .. loaded.Attacks.Concat(loaded.Faults).Select(a => a.Script?.Path).OfType<string>().Select(Path.GetFullPath).Distinct(StringComparer.Ordinal)];
        }
        catch (ScenarioException ex)
        {
            // Also every script the file names, wherever its errors are reported (an option its Configure refused is at
            // the entry; a script not found yet is at the key): fixing or creating that script is a change to run on.
            return [scenario, .. ex.Errors.Select(e => Path.GetFullPath(e.File)).Concat(NamedScripts(scenario))
                .Where(f => f != scenario).Distinct(StringComparer.Ordinal)];
        }
    }

    /// <summary>The <c>script:</c> values of the file's attacks and faults entries, as full paths; none when it is not YAML.</summary>
    private static IEnumerable<string> NamedScripts(string scenario)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(scenario);
            stream.Load(reader);
        }
        catch (Exception ex) when (ex is YamlException or IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var folder = Path.GetDirectoryName(scenario) ?? ".";
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()
            .SelectMany(root => root.Children.Where(c => c.Key is YamlScalarNode { Value: "attacks" or "faults" }).Select(c => c.Value))
            .OfType<YamlSequenceNode>().SelectMany(list => list.Children).OfType<YamlMappingNode>()
            .SelectMany(entry => entry.Children.Where(c => c.Key is YamlScalarNode { Value: "script" }).Select(c => c.Value))
            .OfType<YamlScalarNode>().Select(v => v.Value).OfType<string>().Where(v => v.Length > 0)
            .Select(v => Path.GetFullPath(Path.Combine(folder, v)))
            .ToArray();
    }

    /// <summary>Waits until one of <paramref name="files"/> differs from <paramref name="before"/> (true) or the watch is cancelled (false).</summary>
    private static async Task<bool> ChangedAsync(IReadOnlyList<string> files, string?[] before, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Poll, cancellationToken);
                if (files.Select(Hash).Where((hash, i) => hash != before[i]).Any())
                {
                    await Task.Delay(Poll, cancellationToken); // an editor may write in steps: let it finish
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The SHA-256 of a file's UTF-8 text as scripts are hashed (<see cref="ScriptSource.Of"/>), or null when it cannot be read.</summary>
    private static string? Hash(string file)
    {
        try
        {
            return ScriptSource.Of(file, File.ReadAllText(file)).Hash;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
