using System.Diagnostics;
using System.Globalization;

namespace Testbed.Hosting.Cluster.Processes;

/// <summary>
/// The runner's handle on one <c>testbed silo</c> child: started with its launch on stdin (kept open: closing it, or the
/// runner dying, stops the silo), ready when it prints its <see cref="SiloReady"/> line, its stderr appended to a log
/// file. Signals go to its process id.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly TaskCompletionSource<SiloReady> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _drained;

    private SiloProcess(Process process, StreamWriter log, string logPath)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
        Pid = process.Id;
        _drained = Task.WhenAll(PumpStdoutAsync(), PumpStderrAsync());
    }

    /// <summary>The silo's name.</summary>
    public string Name => Ready.Name;

    /// <summary>The process id.</summary>
    public int Pid { get; }

    /// <summary>What the silo reported when it became active.</summary>
    public SiloReady Ready => _ready.Task.IsCompletedSuccessfully ? _ready.Task.Result : throw new InvalidOperationException("the silo is not ready");

    /// <summary>Where its stderr goes.</summary>
    public string LogPath { get; }

    /// <summary>Whether the process ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code, or null while it runs.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Completes when the process ends.</summary>
    public Task Exited => _process.WaitForExitAsync();

    /// <summary>
    /// Starts a silo and waits until it is active. Throws <see cref="SiloStartException"/> when it exits first (with
    /// <see cref="SiloStartException.PortTaken"/> when its ports were in use) or does not become ready within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(SiloLaunch launch, string logPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (file, prefix) = SiloExecutable.Command();
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in prefix.Concat(
            [
                // The Redis connection string can carry a password: it goes on stdin with the rest of the launch.
                "silo", "--cluster-id", launch.ClusterId, "--service-id", launch.EffectiveServiceId,
                "--silo-port", launch.SiloPort.ToString(CultureInfo.InvariantCulture), "--gateway-port", launch.GatewayPort.ToString(CultureInfo.InvariantCulture),
                "--advertise", launch.Advertise, "--name", launch.Name, "--launch-stdin",
            ]))
        {
            start.ArgumentList.Add(arg);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SiloStartException($"{launch.Name}: could not start {file}", portTaken: false);
        }
        catch
        {
            await log.DisposeAsync();
            throw;
        }

        var silo = new SiloProcess(process, log, logPath);
        try
        {
            // The launch, secrets included, goes through the pipe; stdin then stays open for the silo's lifetime.
            await process.StandardInput.WriteLineAsync(launch.ToJson().AsMemory(), cancellationToken);
            await process.StandardInput.FlushAsync(cancellationToken);
            var ready = silo._ready.Task;
            await Task.WhenAny(ready, process.WaitForExitAsync(cancellationToken), Task.Delay(timeout, cancellationToken));
            if (ready.IsCompletedSuccessfully)
            {
                return silo;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (ready.IsCompleted)
            {
                // Its stdout closed without a READY line: it is exiting; the exit code says why.
                using var exiting = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await process.WaitForExitAsync(exiting.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            if (process.HasExited)
            {
                await silo._drained;
                throw new SiloStartException(
                    $"{launch.Name} exited with code {process.ExitCode} before it was ready; its log: {logPath}{Tail(logPath)}",
                    portTaken: process.ExitCode == SiloExitCodes.PortTaken);
            }

            throw new SiloStartException($"{launch.Name} was not ready after {timeout.TotalSeconds:0} s; its log: {logPath}{Tail(logPath)}", portTaken: false);
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends <paramref name="signal"/> (see <see cref="PosixSignals"/>); false when the process is gone.</summary>
    public bool Signal(int signal) => !_process.HasExited && PosixSignals.Send(Pid, signal);

    /// <summary>SIGKILL, then waits for the process to end.</summary>
    public async Task KillAsync()
    {
        Signal(PosixSignals.Kill);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then SIGKILL when it has not ended within <paramref name="grace"/>; returns whether it stopped by itself.</summary>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return true;
        }

        Signal(PosixSignals.Continue); // a paused silo cannot act on SIGTERM
        Signal(PosixSignals.Term);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            return false;
        }
    }

    /// <summary>Kills the process if it still runs and releases its pipes and log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        await _drained.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _process.Dispose();
        await _log.DisposeAsync();
    }

    private async Task PumpStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (SiloReady.TryParse(line) is { } ready)
            {
                _ready.TrySetResult(ready);
            }
            else
            {
                Write(line);
            }
        }

        _ready.TrySetException(new InvalidOperationException("the silo's stdout closed"));
        _ = _ready.Task.Exception; // observed: the start path reports the exit instead
    }

    private async Task PumpStderrAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            Write(line);
        }
    }

    private void Write(string line)
    {
        lock (_log)
        {
            _log.WriteLine(line);
        }
    }

    private static string Tail(string logPath)
    {
        try
        {
            var lines = File.ReadAllLines(logPath);
            return lines.Length == 0 ? "" : Environment.NewLine + string.Join(Environment.NewLine, lines.TakeLast(8).Select(l => "  " + l));
        }
        catch (IOException)
        {
            return "";
        }
    }
}

/// <summary>A silo process that did not become ready.</summary>
public sealed class SiloStartException(string message, bool portTaken) : Exception(message)
{
    /// <summary>It exited because its silo or gateway port was in use (try other ports).</summary>
    public bool PortTaken { get; } = portTaken;
}

/// <summary>How to start <c>testbed silo</c>: the <c>testbed</c> app host next to this assembly, else <c>dotnet testbed.dll</c>.</summary>
public static class SiloExecutable
{
    /// <summary>The file to run and the arguments that come before <c>silo</c>.</summary>
    public static (string File, string[] Prefix) Command()
    {
        var dir = AppContext.BaseDirectory;
        var host = Path.Combine(dir, "testbed");
        if (File.Exists(host))
        {
            return (host, []);
        }

        var dll = Path.Combine(dir, "testbed.dll");
        if (File.Exists(dll))
        {
            return (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", ["exec", dll]);
        }

        throw new FileNotFoundException($"cannot start silo processes: neither 'testbed' nor 'testbed.dll' is in {dir}");
    }
}
