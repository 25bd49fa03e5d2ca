using Testbed.Attacks.Faults;

namespace Testbed.Hosting.Cluster;

/// <summary>The embedded cluster's silos as node faults see them (position 0 is never struck: see <see cref="INodeControl"/>).</summary>
public sealed class EmbeddedNodeControl(EmbeddedCluster cluster) : INodeControl
{
    /// <inheritdoc />
    public int SiloCount => cluster.SiloNames.Count;

    /// <inheritdoc />
    public string SiloName(int position) => cluster.SiloNames[position];

    /// <inheritdoc />
    public string? SiloOf(string principal) => Envelopes.PrincipalId.IsValid(principal) ? cluster.HostingSilo(principal) : null;

    /// <inheritdoc />
    public Task KillAsync(int position) => cluster.KillSiloAsync(Struck(position));

    /// <inheritdoc />
    public Task StopAsync(int position) => cluster.StopSiloAsync(Struck(position));

    /// <inheritdoc />
    public Task RestartAsync(int position) => cluster.RestartSiloAsync(Struck(position));

    /// <inheritdoc />
    public Task StartSiloAsync() => cluster.StartSiloAsync();

    /// <inheritdoc />
    public IDisposable Pause(int position)
    {
        var pause = cluster.PauseOf(Struck(position));
        pause.Pause();
        return new Resumer(pause);
    }

    /// <inheritdoc />
    public Time.ServiceClock Clock(int position) => cluster.ClockOf(position);

    private static int Struck(int position) => position >= 1
        ? position
        : throw new ArgumentOutOfRangeException(nameof(position), position, "silo 0 holds the certificate authority and is never struck");

    private sealed class Resumer(SiloPause pause) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                pause.Resume();
            }
        }
    }
}
