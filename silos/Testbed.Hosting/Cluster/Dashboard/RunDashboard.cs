using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace Testbed.Hosting.Cluster.Dashboard;

/// <summary>
/// Orleans' own dashboard (Microsoft.Orleans.Dashboard) for a run's cluster, served on 127.0.0.1 only: a small ASP.NET
/// Core host in the runner whose dashboard client speaks to the cluster through the run's own Orleans client, whatever
/// the mode (every silo of the run adds the dashboard's silo side, <c>AddDashboard</c>). No authentication: loopback is
/// its boundary, and live log streaming is off.
/// </summary>
public sealed class RunDashboard : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunDashboard(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where it is served (http://127.0.0.1:PORT/).</summary>
    public Uri Address { get; }

    /// <summary>Serves the dashboard of the cluster <paramref name="client"/> belongs to on 127.0.0.1:<paramref name="port"/> (0: any free port).</summary>
    public static async Task<RunDashboard> StartAsync(IClusterClient client, int port, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "testbed-dashboard" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton<IGrainFactory>(client);
        builder.Services.AddSingleton(client);
        new ServicesOnlyClientBuilder(builder.Services, builder.Configuration).AddDashboard(o => o.HideTrace = true);
        var app = builder.Build();
        app.MapOrleansDashboard();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return new RunDashboard(app, new Uri(bound is null ? $"http://127.0.0.1:{port}/" : bound.TrimEnd('/') + "/"));
    }

    /// <summary>Why <paramref name="port"/> cannot serve the dashboard (out of range, or taken), or null.</summary>
    public static string? PortProblem(int port)
    {
        if (port is < 1 or > 65535)
        {
            return $"--dashboard: a port is 1..65535, found {port}";
        }

        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            probe.Stop();
            return null;
        }
        catch (SocketException ex)
        {
            return $"--dashboard: 127.0.0.1:{port} cannot be bound ({ex.SocketErrorCode})";
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // An open page's long poll: the host goes anyway.
        }

        await _app.DisposeAsync();
    }

    /// <summary>The dashboard's client-side registration (<c>IClientBuilder.AddDashboard</c>) into a web host's services.</summary>
    private sealed class ServicesOnlyClientBuilder(IServiceCollection services, IConfiguration configuration) : IClientBuilder
    {
        public IServiceCollection Services { get; } = services;

        public IConfiguration Configuration { get; } = configuration;
    }
}
