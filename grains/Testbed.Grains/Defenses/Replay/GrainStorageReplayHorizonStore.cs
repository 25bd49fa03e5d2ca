using System.Collections.Concurrent;
using Orleans.Storage;

namespace Testbed.Defenses.Replay;

/// <summary>One principal's stored replay horizon.</summary>
[GenerateSerializer]
public sealed class ReplayHorizonRecord
{
    /// <summary>The lease (Unix ms, message timestamps): every message the principal accepted was stamped below it.</summary>
    [Id(0)]
    public long LeaseMs { get; set; }
}

/// <summary>
/// An <see cref="IReplayHorizonStore"/> over an Orleans grain storage provider (the testbed's: the embedded cluster's
/// shared store or Redis), one record per principal under grain id <c>replayhorizon/&lt;principal&gt;</c>. Writes are
/// optimistic (ETag); on a conflict (another silo's activation of the same principal wrote) it rereads and writes the
/// maximum, so the register only grows.
/// </summary>
public sealed class GrainStorageReplayHorizonStore(IGrainStorage storage) : IReplayHorizonStore
{
    /// <summary>The grain type of the records' grain ids.</summary>
    public const string GrainType = "replayhorizon";

    private const string StateName = "horizon";
    private const int Attempts = 4;

    private readonly ConcurrentDictionary<string, (string? ETag, long? LeaseMs)> _known = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async ValueTask<long?> ReadAsync(string principal)
    {
        var (etag, lease) = await ReadRecordAsync(principal);
        _known[principal] = (etag, lease);
        return lease;
    }

    /// <inheritdoc />
    public async ValueTask<long> ExtendAsync(string principal, long leaseMs)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!_known.TryGetValue(principal, out var known))
            {
                known = await ReadRecordAsync(principal);
            }

            if (known.LeaseMs >= leaseMs)
            {
                _known[principal] = known;
                return known.LeaseMs.Value;
            }

            var state = new GrainState<ReplayHorizonRecord>(new ReplayHorizonRecord { LeaseMs = leaseMs }) { ETag = known.ETag };
            try
            {
                await storage.WriteStateAsync(StateName, Id(principal), state);
                _known[principal] = (state.ETag, leaseMs);
                return leaseMs;
            }
            catch (InconsistentStateException) when (attempt < Attempts)
            {
                _known.TryRemove(principal, out _); // someone else wrote: reread, keep the larger lease
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> CloseAsync(string principal, long leaseMs, long lastAcceptedMs)
    {
        // Only over the very record this silo last wrote or read with that lease: an ETag conflict means someone else wrote.
        if (lastAcceptedMs >= leaseMs || !_known.TryGetValue(principal, out var known) || known.LeaseMs != leaseMs)
        {
            return false;
        }

        var state = new GrainState<ReplayHorizonRecord>(new ReplayHorizonRecord { LeaseMs = lastAcceptedMs }) { ETag = known.ETag };
        try
        {
            await storage.WriteStateAsync(StateName, Id(principal), state);
            _known[principal] = (state.ETag, lastAcceptedMs);
            return true;
        }
        catch (InconsistentStateException)
        {
            _known.TryRemove(principal, out _);
            return false;
        }
    }

    private async Task<(string? ETag, long? LeaseMs)> ReadRecordAsync(string principal)
    {
        var state = new GrainState<ReplayHorizonRecord>(new ReplayHorizonRecord());
        await storage.ReadStateAsync(StateName, Id(principal), state);
        return (state.ETag, state.RecordExists && state.State is { } record ? record.LeaseMs : null);
    }

    private static GrainId Id(string principal) => GrainId.Create(GrainType, principal);
}
