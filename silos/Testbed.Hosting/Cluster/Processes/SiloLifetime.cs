using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace Testbed.Hosting.Cluster.Processes;

/// <summary>
/// The lifetime of a <c>testbed silo</c> process. SIGTERM stops the host gracefully (and so does SIGINT when the silo was
/// started by hand). A silo started by a runner ignores SIGINT — Ctrl-C in a terminal reaches the whole process group,
/// and the runner orders the teardown — and ends when the runner does: when its stdin reaches end of file (the kernel
/// closes the pipe however the runner died, SIGKILL included) or its parent process id changes. If a graceful stop
/// hangs, the process exits anyway after <see cref="HardExitAfter"/>.
/// </summary>
internal sealed class SiloLifetime(IHostApplicationLifetime lifetime, int parentPid, bool watchStdin, TextWriter log) : IHostLifetime, IDisposable
{
    /// <summary>How long a stop may take before the process exits without finishing it.</summary>
    public static readonly TimeSpan HardExitAfter = TimeSpan.FromSeconds(8);

    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly CancellationTokenSource _watching = new();
    private int _stopping;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            Stop("SIGTERM");
        }));
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            if (parentPid == 0)
            {
                Stop("SIGINT");
            }
        }));
        if (parentPid > 0)
        {
            _ = WatchParentAsync(_watching.Token);
        }

        if (watchStdin)
        {
            var reader = new Thread(WatchStdin) { IsBackground = true, Name = "stdin-watch" };
            reader.Start();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _watching.Cancel();
        _watching.Dispose();
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }
    }

    private async Task WatchParentAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (PosixSignals.ParentId() != parentPid)
                {
                    Stop($"parent {parentPid} is gone");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void WatchStdin()
    {
        try
        {
            var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (stdin.Read(buffer, 0, buffer.Length) > 0)
            {
            }
        }
        catch (IOException)
        {
        }

        Stop("stdin closed");
    }

    private void Stop(string why)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        log.WriteLine($"testbed silo: stopping ({why})");
        var hardExit = new Thread(() =>
        {
            Thread.Sleep(HardExitAfter);
            log.WriteLine($"testbed silo: the stop took longer than {HardExitAfter.TotalSeconds:0} s; exiting");
            Environment.Exit(SiloExitCodes.Failed);
        }) { IsBackground = true, Name = "hard-exit" };
        hardExit.Start();
        lifetime.StopApplication();
    }
}
