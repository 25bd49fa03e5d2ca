namespace Testbed.Storage;

/// <summary>Where durable grain state goes.</summary>
public enum StorageProvider
{
    /// <summary>An <see cref="EmbeddedStateStore"/> in this process, outside the silos: needs no external service.</summary>
    Embedded,

    /// <summary>A Redis server (Microsoft.Orleans.Persistence.Redis), for clustered runs.</summary>
    Redis,
}

/// <summary>
/// The durable state of a Testbed silo (Orleans options pattern; set by <see cref="TestbedStorageSiloBuilderExtensions.AddTestbedStorage"/>).
/// </summary>
public sealed class TestbedStorageOptions
{
    /// <summary>The name of the grain storage provider service state is kept in.</summary>
    public const string StorageName = "testbed";

    /// <summary>The default Redis connection string.</summary>
    public const string DefaultRedis = "127.0.0.1:6379";

    /// <summary>The provider; <see cref="StorageProvider.Embedded"/> by default.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Embedded;

    /// <summary>
    /// The store of the embedded provider. The embedded cluster hands all its silos one instance, so a killed silo's
    /// state outlives it; when null, each silo makes its own.
    /// </summary>
    public EmbeddedStateStore? EmbeddedStore { get; set; }

    /// <summary>StackExchange.Redis connection string of the Redis provider.</summary>
    public string Redis { get; set; } = DefaultRedis;

    /// <summary>
    /// The Redis provider's key prefix (keys <c>{prefix}/state/{grain id}/{grain type}</c>), or null for Orleans' default
    /// (the service id): a silo of an external cluster serves one run after another, each under its own prefix.
    /// </summary>
    public string? KeyPrefix { get; set; }

    /// <summary>
    /// Entries per sealed ledger page. An account rewrites only its head (balance and the open page) per entry and each
    /// full page once, so a write costs O(page size) however long the ledger grows.
    /// </summary>
    public int LedgerPageSize { get; set; } = 32;
}
