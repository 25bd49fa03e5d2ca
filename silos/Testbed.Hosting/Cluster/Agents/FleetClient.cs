using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Testbed.Hosting.Cluster.Agents;

/// <summary>The runner's Orleans client of a fleet: Redis clustering, a fast gateway refresh, retries while silos come and go.</summary>
internal static class FleetClient
{
    /// <summary>Starts a client of (<paramref name="clusterId"/>, <paramref name="serviceId"/>) through <paramref name="redis"/>; the caller disposes it.</summary>
    public static async Task<IHost> StartAsync(string redis, string clusterId, string serviceId, TimeSpan responseTimeout, TransportCredentials? tls, CancellationToken cancellationToken, TransportTlsOptions? tlsOptions = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.None);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId;
            });
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
            client.Services.AddSingleton<IClientConnectionRetryFilter, EmbeddedClientRetry>();
            if (tls is not null)
            {
                client.UseTransportTls(tlsOptions ?? new TransportTlsOptions(), tls, tls);
            }
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Stops <paramref name="client"/> within a few seconds, whatever its gateways say, and disposes it.</summary>
    public static async Task StopAsync(IHost client)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.StopAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Its gateways may be gone already.
        }

        client.Dispose();
    }
}
