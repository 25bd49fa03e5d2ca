using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Testbed.Hosting.Cluster.Processes;
using Testbed.Hosting.Runs;
using Testbed.Scenarios;

namespace Testbed.Cli.Commands;

/// <summary>
/// <c>testbed silo --redis HOST:PORT --cluster-id ID [--silo-port N] [--gateway-port N] [--advertise ADDR] [--name NAME]
/// [--scenario FILE]</c>: hosts one real Orleans silo over TCP with Redis membership and storage until SIGTERM.
/// </summary>
internal static class SiloCommand
{
    public static Command Create(TextWriter error)
    {
        var redis = new Option<string?>("--redis") { Description = "Redis of the cluster's membership and grain storage (HOST:PORT or a StackExchange.Redis connection string). Required (a runner gives it on stdin)." };
        var clusterId = new Option<string>("--cluster-id") { Description = "The Orleans cluster id to join.", Required = true };
        var serviceId = new Option<string?>("--service-id") { Description = "The Orleans service id (prefix of the Redis keys; default: the cluster id)." };
        var siloPort = new Option<int>("--silo-port") { Description = "Silo-to-silo TCP port.", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Client gateway TCP port.", DefaultValueFactory = _ => 30000 };
        var advertise = new Option<string>("--advertise")
        {
            Description = "Address or host name other silos and clients reach this silo at; binds loopback when it is 127.0.0.1 (the default), every interface otherwise.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var name = new Option<string?>("--name") { Description = "The silo's name (default: silo-<silo port>)." };
        var scenario = new Option<FileInfo?>("--scenario") { Description = "Host the services and defenses of this scenario (default: the default workload, no defenses)." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Least severe log level written to stderr.", DefaultValueFactory = _ => LogLevel.Warning };
        var parentPid = new Option<int>("--parent-pid")
        {
            Description = "The id of this silo's parent process (a supervisor that must not leave it behind): the silo stops gracefully when its parent ends, and leaves Ctrl-C to it. 0: none.",
        };
        var launchStdin = new Option<bool>("--launch-stdin")
        {
            Description = "Read the launch (JSON) from the first line of stdin and stop when stdin closes: how the runner starts silos.",
            Hidden = true,
        };
        var command = new Command("silo", "Host one Orleans silo (TCP, Redis membership and storage) with the testbed's services, defenses and wire, until SIGTERM.")
        {
            redis, clusterId, serviceId, siloPort, gatewayPort, advertise, name, scenario, logLevel, parentPid, launchStdin,
        };
        command.SetAction(async (parse, ct) =>
        {
            var launch = new SiloLaunch
            {
                Redis = parse.GetValue(redis) ?? "",
                ClusterId = parse.GetValue(clusterId)!,
                ServiceId = parse.GetValue(serviceId),
                SiloPort = parse.GetValue(siloPort),
                GatewayPort = parse.GetValue(gatewayPort),
                Advertise = parse.GetValue(advertise)!,
                ParentPid = parse.GetValue(parentPid),
            };
            launch = launch with { Name = parse.GetValue(name) ?? $"silo-{launch.SiloPort}" };
            var stdin = parse.GetValue(launchStdin);
            if (!stdin && Problem(launch) is { } problem)
            {
                await error.WriteLineAsync($"testbed silo: {problem}");
                return ExitCodes.BadInput;
            }

            if (stdin)
            {
                var line = await Console.In.ReadLineAsync(ct);
                try
                {
                    var given = SiloLaunch.FromJson(line ?? throw new JsonException("stdin closed before the launch line"));
                    launch = launch with
                    {
                        Redis = string.IsNullOrEmpty(launch.Redis) ? given.Redis : launch.Redis,
                        Services = given.Services,
                        Membership = given.Membership,
                        HostsAuthority = given.HostsAuthority,
                        EntryExpiry = given.EntryExpiry,
                        ParentPid = given.ParentPid,
                        TransportTls = given.TransportTls,
                        Dashboard = given.Dashboard,
                    };
                }
                catch (JsonException ex)
                {
                    await error.WriteLineAsync($"testbed silo: the launch line on stdin is not valid: {ex.Message}");
                    return ExitCodes.BadInput;
                }

                if (Problem(launch) is { } launched)
                {
                    await error.WriteLineAsync($"testbed silo: {launched}");
                    return ExitCodes.BadInput;
                }
            }
            else if (parse.GetValue(scenario) is { } file)
            {
                try
                {
                    launch = launch with { Services = SiloServices.Of(ScenarioLoader.LoadFile(file.FullName, TestbedCatalog.Default)) };
                }
                catch (ScenarioException ex)
                {
                    await error.WriteLineAsync(ex.Message);
                    return ExitCodes.BadInput;
                }
            }

            // A silo a runner started ignores Ctrl-C, also while it starts: the runner orders the teardown.
            return await SiloProcessHost.RunAsync(launch, watchStdin: stdin, Console.Out, error, parse.GetValue(logLevel), stdin ? CancellationToken.None : ct);
        });
        return command;
    }

    private static string? Problem(SiloLaunch launch)
    {
        if (launch.SiloPort is < 1 or > 65535 || launch.GatewayPort is < 1 or > 65535)
        {
            return $"--silo-port and --gateway-port must be 1..65535, found {launch.SiloPort} and {launch.GatewayPort}";
        }

        if (launch.SiloPort == launch.GatewayPort)
        {
            return $"--silo-port and --gateway-port must differ, both are {launch.SiloPort}";
        }

        if (string.IsNullOrWhiteSpace(launch.Redis))
        {
            return "--redis HOST:PORT is required";
        }

        try
        {
            if (StackExchange.Redis.ConfigurationOptions.Parse(launch.Redis).EndPoints.Count == 0)
            {
                return $"--redis: expected HOST:PORT, found '{launch.Redis}'";
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or NotSupportedException)
        {
            return $"--redis: not a Redis connection string ({ex.Message.TrimEnd('.')}), found '{launch.Redis}'";
        }

        return string.IsNullOrWhiteSpace(launch.ClusterId) ? "--cluster-id must not be empty" : null;
    }
}
