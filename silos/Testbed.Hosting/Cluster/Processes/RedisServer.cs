using System.Diagnostics;
using System.Globalization;

namespace Testbed.Hosting.Cluster.Processes;

/// <summary>
/// A throw-away <c>redis-server</c> on a free loopback port, without persistence, for one processes-mode cluster. It
/// runs under a small <c>sh</c> guard that holds the runner's pipe: when the pipe closes — the runner disposed it, or
/// died however it died — the guard stops redis-server, so it never outlives the command that started it.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    // redis-server in the background; a reader of the runner's pipe (kept as fd 3: an asynchronous list's stdin is /dev/null)
    // kills it at end of file; the guard ends with redis-server.
    private const string Guard = """exec 3<&0; redis-server "$@" </dev/null 3<&- & r=$!; trap 'kill $r 2>/dev/null; exit 0' TERM; (read -r _ <&3; kill $r 2>/dev/null) & wait $r""";

    private readonly Process _guard;

    private RedisServer(Process guard, int port)
    {
        _guard = guard;
        Port = port;
    }

    /// <summary>The port it listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The StackExchange.Redis connection string.</summary>
    public string Connection => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The guard's process id (redis-server is its child).</summary>
    public int GuardPid => _guard.Id;

    /// <summary>The path of <c>redis-server</c>, or null when it is not installed.</summary>
    public static string? Find() => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "redis-server"))
        .FirstOrDefault(File.Exists);

    /// <summary>Starts one and waits until it answers PING.</summary>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken)
    {
        if (Find() is null)
        {
            throw new InvalidOperationException("processes mode needs a Redis: install redis-server (apt-get install redis-server) or give cluster.redis (--redis)");
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePorts.Take(1)[0];
            // setsid: a session of its own, so Ctrl-C in the terminal (SIGINT to the foreground group) does not reach
            // redis-server before the runner has stopped its silos in order.
            var start = new ProcessStartInfo("setsid") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "sh", "-c", Guard, "redis-guard", "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
            {
                start.ArgumentList.Add(arg);
            }

            var guard = Process.Start(start) ?? throw new InvalidOperationException("could not start sh for redis-server");
            guard.OutputDataReceived += (_, _) => { };
            guard.ErrorDataReceived += (_, _) => { };
            guard.BeginOutputReadLine();
            guard.BeginErrorReadLine();
            var server = new RedisServer(guard, port);
            try
            {
                if (await server.AnswersAsync(TimeSpan.FromSeconds(10), cancellationToken))
                {
                    return server;
                }
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }

            await server.DisposeAsync();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"redis-server did not answer on 127.0.0.1:{port} (3 attempts)");
            }
        }
    }

    /// <summary>Stops redis-server (closes the guard's pipe) and waits for the guard to end.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _guard.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _guard.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _guard.Kill(entireProcessTree: true);
        }

        _guard.Dispose();
    }

    private async Task<bool> AnswersAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_guard.HasExited)
        {
            try
            {
                var options = StackExchange.Redis.ConfigurationOptions.Parse(Connection);
                options.AbortOnConnectFail = true;
                options.ConnectTimeout = 500;
                await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options);
                await connection.GetDatabase().PingAsync();
                return true;
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        return false;
    }
}
