using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using Xunit;

namespace Testbed.Tests.Storage;

/// <summary>
/// A throw-away redis-server on a free loopback port (no persistence of its own), started from PATH for the Redis
/// storage tests and killed afterwards. When redis-server is not installed the tests are skipped, or fail under CI (see <see cref="RedisFactAttribute"/>).
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private Process? _server;

    /// <summary>The full path of redis-server, or null when it is not on PATH.</summary>
    public static string? ServerPath { get; } = RealDependency.FindOnPath("redis-server");

    /// <summary>Why the Redis tests cannot run here.</summary>
    internal const string Missing = "redis-server is not on PATH: the Redis storage test needs it (Debian: apt-get install redis-server; .ci/run installs it)";

    /// <summary>The StackExchange.Redis connection string of the running server.</summary>
    public string Connection { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (ServerPath is null && !RealDependency.Required)
        {
            return; // the tests are skipped (RedisFactAttribute)
        }

        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo(RealDependency.Require(ServerPath, Missing))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        _server = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        Connection = $"127.0.0.1:{port}";
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync(Connection);
                await probe.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (attempt < 50 && !_server.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Number of keys in the server's database 0.</summary>
    public async Task<long> KeyCountAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(Connection + ",allowAdmin=true");
        return await connection.GetServer(Connection).DatabaseSizeAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

}

/// <summary>A fact that is skipped, with a message saying so, when redis-server is not on PATH (and fails under CI).</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        Skip = RealDependency.SkipReason(RedisServerFixture.ServerPath, RedisServerFixture.Missing);
    }
}
