namespace Testbed.Hosting.Cluster.Agents;

/// <summary>
/// What a fleet's silos recorded, through their agents: the running silos' reports now, a struck silo's as it was just
/// before the strike (<see cref="SnapshotAsync"/>); a silo that ended otherwise (declared dead while paused, ended by
/// someone else) or that does not answer is left out, and named once through the note callback.
/// </summary>
internal sealed class FleetRecords(IGrainFactory grains, Action<string> note)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SiloReport> _snapshots = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unreported = new(StringComparer.Ordinal);

    /// <summary>Keeps what <paramref name="silo"/> recorded so far, before it is struck.</summary>
    public async Task SnapshotAsync(FleetSilo silo)
    {
        if (await TryReportAsync(silo) is { } report)
        {
            lock (_gate)
            {
                _snapshots[silo.Address] = report;
            }
        }
    }

    /// <summary>The reports of <paramref name="running"/> and the snapshots of the others in <paramref name="all"/>.</summary>
    public async Task<IReadOnlyList<SiloReport>> ReportsAsync(IReadOnlyList<FleetSilo> running, IReadOnlyList<FleetSilo> all)
    {
        var reports = (await Task.WhenAll(running.Select(TryReportAsync))).OfType<SiloReport>().ToList();
        var live = running.Select(s => s.Address).ToHashSet(StringComparer.Ordinal);
        var missing = new List<FleetSilo>();
        lock (_gate)
        {
            reports.AddRange(_snapshots.Where(kv => !live.Contains(kv.Key)).Select(kv => kv.Value));
            foreach (var silo in all.Where(s => !live.Contains(s.Address) && !_snapshots.ContainsKey(s.Address)))
            {
                if (_unreported.Add(silo.Address))
                {
                    missing.Add(silo);
                }
            }
        }

        foreach (var silo in missing)
        {
            note($"records of {silo.Name} ({silo.Address}) ended with its process: not in the result");
        }

        return reports;
    }

    private async Task<SiloReport?> TryReportAsync(FleetSilo silo)
    {
        try
        {
            return await grains.GetGrain<ISiloAgent>(silo.Address).Report().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or SiloUnavailableException)
        {
            return null;
        }
    }
}
