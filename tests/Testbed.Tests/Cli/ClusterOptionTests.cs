using Testbed.Cli;
using Xunit;

namespace Testbed.Tests.Cli;

/// <summary><c>--cluster</c>, <c>--redis</c>, <c>--cluster-id</c> and <c>testbed silo</c>: bad input exits 2 and says why, before anything starts.</summary>
public sealed class ClusterOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("testbed-cluster-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Error)> Run(params string[] args)
    {
        var error = new StringWriter();
        var code = await TestbedCli.RunAsync(args, error);
        return (code, error.ToString());
    }

    private string Scenario()
    {
        var path = Path.Combine(_dir, "s.yaml");
        File.WriteAllText(path, "name: s\nseed: 1\nworkload: {operations: 10}\n");
        return path;
    }

    [Fact]
    public async Task External_mode_without_redis_and_cluster_id_exits_2_naming_the_file()
    {
        var path = Scenario();
        var (code, error) = await Run("run", path, "--cluster", "external", "--out", Path.Combine(_dir, "out"), "--quiet");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{path}: external mode joins a running cluster", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out", "s")));
    }

    [Fact]
    public async Task A_bad_redis_option_exits_2()
    {
        _ = Scenario();
        var (code, error) = await Run("suite", _dir, "--cluster", "processes", "--redis", "127.0.0.1:6379,bogus=1", "--out", Path.Combine(_dir, "out"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--redis", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wire_faults_by_silo_across_processes_are_refused_before_anything_starts()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "scenarios", "faults", "11-partition-during-rekey.yaml");
        var (code, error) = await Run("run", path, "--cluster", "processes", "--out", Path.Combine(_dir, "out"), "--quiet");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("(partition, by silo): wire faults that pick traffic by silo run on embedded clusters only", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pause_in_external_mode_is_refused_before_anything_is_joined()
    {
        // Nothing listens on this port: a refusal that tried to join first would fail differently, and later.
        var path = Path.Combine(AppContext.BaseDirectory, "scenarios", "faults", "14-pause.yaml");
        var (code, error) = await Run("run", path, "--cluster", "external", "--redis", "127.0.0.1:1", "--cluster-id", "nowhere", "--out", Path.Combine(_dir, "out"), "--quiet");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{path}: faults[0] (pause): a silo of an external cluster cannot be paused", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dashboard_port_that_is_taken_or_not_a_port_exits_2_before_anything_starts()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var (code, error) = await Run("run", Scenario(), "--dashboard", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", Path.Combine(_dir, "out"), "--quiet");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"--dashboard: 127.0.0.1:{port} cannot be bound", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));

        (code, error) = await Run("run", Scenario(), "--dashboard", "http", "--out", Path.Combine(_dir, "out"), "--quiet");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--dashboard: expected a port 1..65535, found 'http'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("9")]
    public async Task Silos_out_of_range_exits_2(string silos)
    {
        var (code, error) = await Run("run", Scenario(), "--silos", silos, "--out", Path.Combine(_dir, "out"), "--quiet");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"--silos: expected 1..8, found {silos}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_mode_is_a_parse_error()
    {
        var (code, error) = await Run("run", Scenario(), "--cluster", "docker");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("docker", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--redis", "", "--redis")]
    [InlineData("--silo-port", "0", "--silo-port")]
    [InlineData("--gateway-port", "11111", "must differ")]
    public async Task Silo_with_bad_options_exits_2(string option, string value, string fragment)
    {
        var args = new List<string> { "silo", "--redis", "127.0.0.1:6379", "--cluster-id", "c" };
        var at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (code, error) = await Run([.. args]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(fragment, error, StringComparison.Ordinal);
    }
}
