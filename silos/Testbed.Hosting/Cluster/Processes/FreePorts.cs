using System.Net;
using System.Net.Sockets;

namespace Testbed.Hosting.Cluster.Processes;

/// <summary>
/// Free loopback TCP ports, found by binding port 0 and letting go. Another process can take such a port before the
/// silo binds it: a silo that finds its port taken exits with <see cref="SiloExitCodes.PortTaken"/> and the runner
/// tries fresh ports.
/// </summary>
public static class FreePorts
{
    /// <summary><paramref name="count"/> distinct free ports on 127.0.0.1.</summary>
    public static int[] Take(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}

/// <summary>Exit codes of <c>testbed silo</c>.</summary>
public static class SiloExitCodes
{
    /// <summary>Stopped cleanly (SIGTERM, its parent ended, or stdin closed).</summary>
    public const int Stopped = 0;

    /// <summary>The silo failed while running or starting (not a port clash).</summary>
    public const int Failed = 1;

    /// <summary>Bad input: options, the launch line or the scenario.</summary>
    public const int BadInput = 2;

    /// <summary>The silo or gateway port is in use.</summary>
    public const int PortTaken = 3;
}
