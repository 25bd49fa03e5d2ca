using System.Text.RegularExpressions;
using Testbed.Hosting.Cluster.Processes;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;
using Xunit;

namespace Testbed.Tests.Reports;

/// <summary><c>--dashboard</c>: Orleans' own dashboard of a running scenario's cluster, opened in a real browser (headless Chromium).</summary>
public sealed class BrowserDashboardTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("testbed-dashboard-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [ChromiumFact]
    public async Task The_dashboard_of_a_running_scenario_shows_its_silos_in_a_browser()
    {
        var scenario = ScenarioLoader.Parse("""
            name: dashboard
            seed: 5
            cluster: {silos: 2}
            workload: {accounts: 12, duration: 20s, concurrency: 4}
            expect:
              invariants: all
            """, "dashboard.yaml", TestbedCatalog.Default);
        var serving = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var run = ScenarioRunner.RunAsync(scenario, new RunOptions { DashboardPort = FreePorts.Take(1)[0], OnDashboard = a => serving.TrySetResult(a) }, cancellationToken: stop.Token);
        var address = await serving.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal("127.0.0.1", address.Host);

        // The page is a script that polls the dashboard's API: let it run for a few (virtual) seconds, then read the DOM.
        var (code, dom, log) = await Chromium.RunAsync(Path.Combine(_dir, "profile"), "--virtual-time-budget=8000", "--dump-dom", new Uri(address, "#/silos").AbsoluteUri);
        Assert.True(code == 0, $"chromium exited {code}: {log}");
        var text = Regex.Replace(dom, "<[^>]+>", " ");
        Assert.Matches(@"Active Silos\s+2", text);
        var silos = Regex.Matches(text, @"127\.0\.0\.1:\d+@\d+\s+Active").Select(m => m.Value).Distinct().ToArray();
        Assert.True(silos.Length == 2, $"the silos page lists {silos.Length} active silos: {text.Trim()[..Math.Min(2000, text.Trim().Length)]}");

        var result = await run;
        Assert.True(result.Passed, result.Error);
    }
}
