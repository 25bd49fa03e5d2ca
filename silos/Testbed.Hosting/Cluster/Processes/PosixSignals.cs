using System.Runtime.InteropServices;

namespace Testbed.Hosting.Cluster.Processes;

/// <summary>
/// Signals to processes by id (libc <c>kill(2)</c>): .NET's <see cref="System.Diagnostics.Process.Kill()"/> sends only
/// SIGKILL, and node faults need SIGTERM, SIGSTOP and SIGCONT too. Linux numbering.
/// </summary>
public static partial class PosixSignals
{
    /// <summary>Graceful stop.</summary>
    public const int Term = 15;

    /// <summary>Abrupt end: cannot be caught.</summary>
    public const int Kill = 9;

    /// <summary>Stop (pause) the process: cannot be caught.</summary>
    public const int Stop = 19;

    /// <summary>Continue a stopped process.</summary>
    public const int Continue = 18;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process does not exist (or is not ours).</summary>
    public static bool Send(int pid, int signal)
    {
        if (pid <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pid), pid, "a process id is positive (0 and negatives address process groups)");
        }

        return NativeMethods.kill(pid, signal) == 0;
    }

    /// <summary>The parent process id of this process (1, or a subreaper's, once the parent is gone).</summary>
    public static int ParentId() => NativeMethods.getppid();

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe blocks for its generated stubs; two int calls do not justify them
        public static extern int kill(int pid, int sig);

        [DllImport("libc")]
        public static extern int getppid();
#pragma warning restore SYSLIB1054
    }
}
