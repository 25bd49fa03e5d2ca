using System.Diagnostics;
using Testbed.Hosting.Cluster.Processes;
using Xunit;

namespace Testbed.Tests.Cluster.Processes;

/// <summary>The benchmark's CPU on processes counts the processes below the runner, not the runner alone.</summary>
public sealed class ProcessTreeCpuTests
{
    [Fact]
    public async Task A_busy_child_process_is_counted_in_the_tree()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /proc
        }

        var own = Environment.CpuUsage.TotalTime;
        var before = ProcessTreeCpu.OfThisTree();
        // A child that spins (shell arithmetic: no fork, so its CPU is its own), measured while it runs, then killed.
        using var child = Process.Start(new ProcessStartInfo("sh", ["-c", "i=0; while :; do i=$((i+1)); done"]) { UseShellExecute = false })!;
        TimeSpan during, ownDuring;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10); // on a busy machine the child gets less of a core
        do
        {
            await Task.Delay(200);
            during = ProcessTreeCpu.OfThisTree();
            ownDuring = Environment.CpuUsage.TotalTime;
        }
        while (during - before - (ownDuring - own) <= TimeSpan.FromMilliseconds(150) && DateTime.UtcNow < deadline);

        child.Kill();
        await child.WaitForExitAsync();
        var childCpu = during - before - (ownDuring - own);
        Assert.True(childCpu > TimeSpan.FromMilliseconds(150), $"the tree gained {(during - before).TotalMilliseconds} ms, this process {(ownDuring - own).TotalMilliseconds} ms");
    }
}
