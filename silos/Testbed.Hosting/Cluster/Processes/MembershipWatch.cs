namespace Testbed.Hosting.Cluster.Processes;

/// <summary>
/// Follows Orleans' membership table through the management grain (every 250 ms) and reports each silo's status changes
/// — joining, active, shutting down, dead — so a run can say when membership declared a killed or paused silo dead.
/// Silos already dead when the watch starts (an external cluster's earlier generations) are not reported.
/// </summary>
internal sealed class MembershipWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watching;
    private readonly Dictionary<string, SiloStatus> _last = new(StringComparer.Ordinal);
    private bool _looked;

    private readonly Func<string, string, Task>? _active;

    /// <summary>Watches; <paramref name="active"/>, if given, hears each silo (address, name) that becomes active after the first look.</summary>
    public MembershipWatch(IClusterClient client, Action<string> report, Func<string, string, Task>? active = null)
    {
        _active = active;
        _watching = WatchAsync(client.GetGrain<IManagementGrain>(0), report, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task WatchAsync(IManagementGrain management, Action<string> report, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            MembershipEntry[] entries;
            try
            {
                entries = await management.GetDetailedHosts(onlyActive: false).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                continue; // the silo answering was struck: ask again on the next tick
            }

            var first = !_looked;
            _looked = true;
            foreach (var entry in entries)
            {
                var key = entry.SiloAddress.ToParsableString();
                if (_last.TryGetValue(key, out var before) && before == entry.Status)
                {
                    continue;
                }

                _last[key] = entry.Status;
                if (first && entry.Status == SiloStatus.Dead)
                {
                    continue;
                }

                if (!first && entry.Status == SiloStatus.Active && _active is { } active)
                {
                    try
                    {
                        await active(key, entry.SiloName);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        report($"membership: {entry.SiloName} active, but taking it into the run failed: {ex.Message}");
                    }
                }

                if (entry.Status is SiloStatus.Active or SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead)
                {
                    report($"membership: {entry.SiloName} {entry.Status.ToString().ToLowerInvariant()}");
                }
            }
        }
    }
}
