using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using StackExchange.Redis;

namespace Testbed.Storage;

/// <summary><see cref="ISiloBuilder"/> extensions for the durable state of Testbed services.</summary>
public static class TestbedStorageSiloBuilderExtensions
{
    /// <summary>
    /// Adds the grain storage provider <see cref="TestbedStorageOptions.StorageName"/> chosen by the options: the embedded
    /// store (default) or Redis. State is serialized with the Orleans serializer in both, and the <see cref="StatePagesAttribute"/>
    /// facet is registered.
    /// </summary>
    public static ISiloBuilder AddTestbedStorage(this ISiloBuilder builder, Action<TestbedStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new TestbedStorageOptions();
        configure?.Invoke(options);
        if (options.LedgerPageSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(configure), options.LedgerPageSize, "LedgerPageSize must be at least 1");
        }

        builder.Services.Configure<TestbedStorageOptions>(o =>
        {
            o.Provider = options.Provider;
            o.EmbeddedStore = options.EmbeddedStore;
            o.Redis = options.Redis;
            o.LedgerPageSize = options.LedgerPageSize;
            o.KeyPrefix = options.KeyPrefix;
        });
        builder.Services.AddKeyedSingleton<IGrainStorageSerializer>(TestbedStorageOptions.StorageName,
            (services, _) => new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()));
        builder.Services.AddSingleton<IAttributeToFactoryMapper<StatePagesAttribute>, StatePagesAttributeMapper>();

        switch (options.Provider)
        {
            case StorageProvider.Embedded:
                var store = options.EmbeddedStore ?? new EmbeddedStateStore();
                builder.Services.AddGrainStorage(TestbedStorageOptions.StorageName, (services, name) => new EmbeddedGrainStorage(
                    store,
                    services.GetRequiredKeyedService<IGrainStorageSerializer>(name),
                    services.GetRequiredService<IActivatorProvider>()));
                break;
            case StorageProvider.Redis:
                var connection = options.Redis;
                _ = ConfigurationOptions.Parse(connection); // a malformed connection string fails here, not at silo start
                var prefix = options.KeyPrefix;
                builder.AddRedisGrainStorage(TestbedStorageOptions.StorageName, o =>
                {
                    o.ConfigurationOptions = ConfigurationOptions.Parse(connection);
                    if (prefix is not null)
                    {
                        o.GetStorageKey = (grainType, grainId) => $"{prefix}/state/{grainId}/{grainType}";
                    }
                });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(configure), options.Provider, "unknown storage provider");
        }

        return builder;
    }
}
