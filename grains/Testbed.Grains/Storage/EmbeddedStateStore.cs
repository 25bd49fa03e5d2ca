using System.Globalization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Testbed.Storage;

/// <summary>
/// The embedded provider's durable store: serialized grain state records (bytes and an ETag) kept outside the silos.
/// One instance per embedded cluster is shared by its silos (like the run's wire hooks), so a killed silo's grains
/// reactivate elsewhere with their last written state. It holds bytes only, never live objects, and every write is an
/// atomic compare-and-swap on the record's ETag.
/// </summary>
public sealed class EmbeddedStateStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Record> _records = new(StringComparer.Ordinal);
    private long _version;
    private long _writes;
    private long _bytesWritten;

    /// <summary>One stored record.</summary>
    public sealed record Record(byte[] Data, string ETag);

    /// <summary>Number of records.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _records.Count;
            }
        }
    }

    /// <summary>Successful writes so far.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Bytes of state written so far (the serialized records).</summary>
    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>The keys of every record (<c>&lt;grain id&gt;/&lt;state name&gt;</c>), in ordinal order.</summary>
    public IReadOnlyList<string> Keys()
    {
        lock (_gate)
        {
            return [.. _records.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>The record under <paramref name="key"/>, or null.</summary>
    public Record? Read(string key)
    {
        lock (_gate)
        {
            return _records.GetValueOrDefault(key);
        }
    }

    /// <summary>
    /// Stores <paramref name="data"/> when the record's ETag is <paramref name="expectedETag"/> (null or empty: the record
    /// must not exist); returns the new ETag. Throws <see cref="InconsistentStateException"/> on a mismatch.
    /// </summary>
    public string Write(string key, string? expectedETag, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        lock (_gate)
        {
            Check(key, expectedETag, "write");
            var etag = (++_version).ToString(CultureInfo.InvariantCulture);
            _records[key] = new Record(data, etag);
            _writes++;
            _bytesWritten += data.Length;
            return etag;
        }
    }

    /// <summary>Removes the record when its ETag is <paramref name="expectedETag"/>; throws <see cref="InconsistentStateException"/> on a mismatch.</summary>
    public void Delete(string key, string? expectedETag)
    {
        lock (_gate)
        {
            Check(key, expectedETag, "clear");
            _records.Remove(key);
        }
    }

    private void Check(string key, string? expectedETag, string operation)
    {
        var current = _records.GetValueOrDefault(key)?.ETag;
        var expected = string.IsNullOrEmpty(expectedETag) ? null : expectedETag;
        if (!string.Equals(current, expected, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(
                $"version conflict on {operation} of {key}: stored ETag {current ?? "(none)"}, expected {expected ?? "(none)"}",
                current ?? "", expected ?? "");
        }
    }
}

/// <summary>An Orleans grain storage provider over an <see cref="EmbeddedStateStore"/> (optimistic concurrency by ETag).</summary>
internal sealed class EmbeddedGrainStorage(EmbeddedStateStore store, IGrainStorageSerializer serializer, IActivatorProvider activators) : IGrainStorage
{
    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (store.Read(Key(stateName, grainId)) is { } record)
        {
            grainState.State = serializer.Deserialize<T>(new BinaryData(record.Data))
                ?? throw new InvalidOperationException($"stored state {stateName} of {grainId} deserialized to null");
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = activators.GetActivator<T>().Create();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var data = serializer.Serialize(grainState.State).ToArray();
        grainState.ETag = store.Write(Key(stateName, grainId), grainState.ETag, data);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        store.Delete(Key(stateName, grainId), grainState.ETag);
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = activators.GetActivator<T>().Create();
        return Task.CompletedTask;
    }

    private static string Key(string stateName, GrainId grainId) => $"{grainId}/{stateName}";
}
