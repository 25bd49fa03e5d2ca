using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hosting;
using Testbed.Defenses;
using Testbed.Hosting.Cluster.Links;
using Testbed.Scenarios;
using Testbed.Storage;
using Testbed.Wire;

namespace Testbed.Hosting.Cluster.Processes;

/// <summary>
/// Hosts one real Orleans silo in this process (<c>testbed silo</c>): TCP endpoints, Redis membership and Redis grain
/// storage, and the Testbed services, defenses, wire and adversary hosting of the scenario it was launched with. Prints
/// one <see cref="SiloReady"/> line on stdout when active; logs go to stderr. SIGTERM stops it gracefully; so does the
/// end of its parent (stdin closes, or the parent id changes) when a runner started it.
/// </summary>
public static class SiloProcessHost
{
    /// <summary>
    /// Runs the silo until it is stopped; returns a <see cref="SiloExitCodes"/> value. A silo a runner launched
    /// (<paramref name="watchStdin"/>) hosts its one run. A silo started by hand is open: it first hosts the run posted on
    /// its cluster's <see cref="External.RunBoard"/>, if any, and switches to each run an external runner begins
    /// (<see cref="External.SiloRunSwitch"/>), until SIGTERM or a stop.
    /// </summary>
    public static async Task<int> RunAsync(SiloLaunch launch, bool watchStdin, TextWriter stdout, TextWriter stderr, LogLevel logLevel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        if (watchStdin)
        {
            return (await HostAsync(launch, watchStdin, open: false, stdout, stderr, logLevel, cancellationToken)).Code;
        }

        if (await External.RunBoard.ReadAsync(launch.Redis, launch.EffectiveServiceId, launch.ClusterId, stderr) is { } posted)
        {
            launch = launch with { Services = posted.Services, RunId = posted.RunId, Membership = posted.Membership ?? launch.Membership, Dashboard = posted.Dashboard };
        }

        while (true)
        {
            var (code, next) = await HostAsync(launch, watchStdin, open: true, stdout, stderr, logLevel, cancellationToken);
            if (next is null || cancellationToken.IsCancellationRequested)
            {
                return code;
            }

            await stderr.WriteLineAsync($"testbed silo: {launch.Name} switches to run {next.RunId}");
            launch = launch with { Services = next.Services, RunId = next.RunId, Membership = next.Membership ?? launch.Membership, Dashboard = next.Dashboard };
        }
    }

    private static async Task<(int Code, External.RunLaunch? Next)> HostAsync(SiloLaunch launch, bool watchStdin, bool open, TextWriter stdout, TextWriter stderr, LogLevel logLevel, CancellationToken cancellationToken)
    {
        var scenario = launch.Services?.ToScenario() ?? DefaultScenario;
        if (DefensesProblem(scenario) is { } problem)
        {
            await stderr.WriteLineAsync($"testbed silo: {problem}");
            return (SiloExitCodes.BadInput, null);
        }

        IHost? started = null;
        var setup = SetupFor(scenario, launch, () => started);
        var links = new Links.LinkCounters();
        using var tls = TlsOf(launch, stderr);
        if (launch.TransportTls is not null && tls is null)
        {
            return (SiloExitCodes.BadInput, null);
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(logLevel).AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton<IHostLifetime>(sp => new SiloLifetime(
            sp.GetRequiredService<IHostApplicationLifetime>(), launch.ParentPid, watchStdin, stderr));
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = launch.ClusterId;
                o.ServiceId = launch.EffectiveServiceId;
            });
            silo.Configure<SiloOptions>(o => o.SiloName = launch.Name);
            ConfigureEndpoints(silo, launch);
            silo.UseRedisClustering(o =>
            {
                o.ConfigurationOptions = ConfigurationOptions.Parse(launch.Redis);
                o.EntryExpiry = launch.EntryExpiry;
            });
            var membership = launch.Membership?.ToSpec() ?? MembershipSpec.Fast;
            silo.Configure<ClusterMembershipOptions>(o => MembershipTiming.Apply(o, membership));
            silo.Configure<GrainDirectoryOptions>(o => o.RangeLeaseDuration = MembershipTiming.RangeLease(membership));
            silo.Services.AddSingleton(links);
            silo.AddLinkTap(links); // first: outside TLS, it sees what crosses the socket
            if (tls is not null)
            {
                silo.UseTransportTls(new TransportTlsOptions { OnConnection = _ => links.TlsEstablished() }, tls.Certificate, tls.Trust, launch.Name);
            }

            setup.Apply(silo);
            if (open)
            {
                silo.Services.AddSingleton(sp => new External.SiloRunSwitch(sp.GetRequiredService<IHostApplicationLifetime>(), launch.RunId));
            }
        });

        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            started = host;
            if (launch.HostsAuthority)
            {
                // The authority keeps its key in memory: it lives on the runner's first silo, which node faults never strike.
                var grains = host.Services.GetRequiredService<IGrainFactory>();
                await Defenses.Identity.CertificateAuthorityGrain.Reference(grains).GetInfo().WaitAsync(cancellationToken);
            }
        }
        catch (Exception ex) when (PortTaken(ex))
        {
            await stderr.WriteLineAsync($"testbed silo: port {launch.SiloPort} or {launch.GatewayPort} is in use ({ex.Message})");
            return (SiloExitCodes.PortTaken, null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync($"testbed silo: {launch.Name} did not start: {ex}");
            return (SiloExitCodes.Failed, null);
        }

        var local = host.Services.GetRequiredService<ILocalSiloDetails>();
        await stdout.WriteLineAsync(new SiloReady(launch.Name, local.SiloAddress.ToParsableString(), launch.SiloPort, launch.GatewayPort, Environment.ProcessId).ToLine());
        await stdout.FlushAsync(cancellationToken);
        await host.WaitForShutdownAsync(CancellationToken.None);
        return (SiloExitCodes.Stopped, host.Services.GetService<External.SiloRunSwitch>()?.Next);
    }

    /// <summary>The silo's certificate and trust from its launch (the byte arrays are zeroed once read), or null.</summary>
    private static NodeTls? TlsOf(SiloLaunch launch, TextWriter stderr)
    {
        if (launch.TransportTls is not { } given)
        {
            return null;
        }

        try
        {
            return new NodeTls(TransportCredentials.ImportNode(given.Certificate), TransportCredentials.TrustOnly(given.Authority));
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            stderr.WriteLine($"testbed silo: the launch's transport TLS material is not a certificate with its key: {ex.Message}");
            return null;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(given.Certificate);
        }
    }

    private sealed record NodeTls(System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate, TransportCredentials Trust) : IDisposable
    {
        public void Dispose()
        {
            Certificate.Dispose();
            Trust.Dispose();
        }
    }

    private static string? DefensesProblem(Scenario scenario)
    {
        try
        {
            _ = DefenseCatalog.Resolve(scenario.DefenseSpecs);
            return null;
        }
        catch (ArgumentException ex)
        {
            return $"the defenses of the launch are not valid: {ex.Message}";
        }
    }

    /// <summary>What a silo hosts when no scenario was given: the default workload, no defenses.</summary>
    private static Scenario DefaultScenario { get; } = new() { Name = "default" };

    /// <summary>The services of <paramref name="scenario"/> on this silo, with its own hooks and events, and grain storage in the cluster's Redis.</summary>
    private static TestbedSiloSetup SetupFor(Scenario scenario, SiloLaunch launch, Func<IHost?> host)
    {
        var defenses = DefenseCatalog.Resolve(scenario.DefenseSpecs);
        var compromise = new CompromiseHooks(
            principal => host() is { } h ? Agents.CompromiseAcrossSilos.HandOverAsync(h.Services, principal) : Task.FromResult<Defenses.Identity.ISigningKey?>(null),
            principal => host() is { } h ? Agents.CompromiseAcrossSilos.RevokeAsync(h.Services, principal) : Task.CompletedTask);
        return new TestbedSiloSetup
        {
            Hooks = new WireHooks(),
            Events = new SecurityEventLog(),
            Defenses = defenses.Pipeline,
            Identity = defenses.Identity,
            Payments = TestbedSiloSetup.PaymentsOf(scenario),
            Adversaries = new AdversaryEnvironment(AttackCatalog.Builtin, compromise),
            Storage = new TestbedStorageOptions
            {
                Provider = StorageProvider.Redis,
                Redis = launch.Redis,
                KeyPrefix = launch.RunId is { } run ? $"{launch.EffectiveServiceId}/run-{run}" : null, // each run of an open silo on its own state
            },
            ResponseTimeout = scenario.Cluster.ResponseTimeout,
            Dashboard = launch.Dashboard,
        };
    }

    private static void ConfigureEndpoints(ISiloBuilder silo, SiloLaunch launch)
    {
        if (IPAddress.TryParse(launch.Advertise, out var address))
        {
            silo.ConfigureEndpoints(address, launch.SiloPort, launch.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
        }
        else
        {
            silo.ConfigureEndpoints(launch.Advertise, launch.SiloPort, launch.GatewayPort, AddressFamily.InterNetwork, listenOnAnyHostAddress: true);
        }
    }

    private static bool PortTaken(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }

            if (ex is AggregateException aggregate && aggregate.InnerExceptions.Any(PortTaken))
            {
                return true;
            }
        }

        return false;
    }
}
