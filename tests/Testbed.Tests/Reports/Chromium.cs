using System.Diagnostics;
using Xunit;

namespace Testbed.Tests.Reports;

/// <summary>Headless Chromium from PATH (<c>chromium</c> or <c>chromium-browser</c>), run with a throwaway profile.</summary>
internal static class Chromium
{
    /// <summary>The browser's path, or null when neither name is on PATH.</summary>
    public static string? Path { get; } = RealDependency.FindOnPath("chromium") ?? RealDependency.FindOnPath("chromium-browser");

    /// <summary>Why the browser tests cannot run here.</summary>
    public const string Missing = "chromium is not on PATH (nor chromium-browser): the real-browser report test needs it (Debian: apt-get install chromium; .ci/run installs it)";

    /// <summary>
    /// Runs headless Chromium with <paramref name="args"/> and console logging on stderr (each page console message is a
    /// line with <c>:CONSOLE</c>); returns exit code, stdout and stderr. Gives up, killing the browser, after 2 minutes.
    /// </summary>
    public static async Task<(int Code, string Output, string Error)> RunAsync(string profile, params string[] args)
    {
        var start = new ProcessStartInfo(RealDependency.Require(Path, Missing))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                     $"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", .. args])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium {string.Join(' ', args)} did not finish within 2 minutes");
        }

        return (process.ExitCode, await output, await error);
    }

}

/// <summary>A fact that is skipped, with a message saying so, when no Chromium is on PATH (and fails under CI).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        Skip = RealDependency.SkipReason(Chromium.Path, Chromium.Missing);
    }
}
