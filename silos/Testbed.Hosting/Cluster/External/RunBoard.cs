using System.Text.Json;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using Testbed.Hosting.Cluster.Processes;

namespace Testbed.Hosting.Cluster.External;

/// <summary>One run an external cluster serves: its id (the prefix of its grain state) and what the silos host for it.</summary>
public sealed record RunLaunch(string RunId, SiloServices Services, MembershipLaunch? Membership, bool Dashboard = false)
{
    /// <summary>As JSON (the run board's value).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>From JSON; <see cref="JsonException"/> when it is not a run.</summary>
    public static RunLaunch FromJson(string json) => JsonSerializer.Deserialize<RunLaunch>(json, Json) ?? throw new JsonException("empty run");

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}

/// <summary>
/// The run an external cluster serves now, in its own Redis (<c>{service id}/testbed-run/{cluster id}</c>): a runner
/// writes it before it switches the silos, so a silo the orchestrator restarts mid-run (compose <c>restart:</c>) comes
/// back with the same services and joins the same run; the runner clears it when the run ends. It holds no secret: the
/// seed, the workload and the defense entries (keys are made in the silos' memory).
/// </summary>
public static class RunBoard
{
    /// <summary>How long an entry lives when its runner never clears it (it died).</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromHours(2);

    /// <summary>The key of the cluster's board.</summary>
    public static RedisKey Key(string serviceId, string clusterId) => $"{serviceId}/testbed-run/{clusterId}";

    /// <summary>The run posted on the board, or null (none, or Redis does not answer: the silo then hosts what it was given).</summary>
    public static async Task<RunLaunch?> ReadAsync(string redis, string serviceId, string clusterId, TextWriter log)
    {
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
            var value = await connection.GetDatabase().StringGetAsync(Key(serviceId, clusterId));
            return value.IsNullOrEmpty ? null : RunLaunch.FromJson(value.ToString());
        }
        catch (Exception ex) when (ex is RedisException or JsonException)
        {
            await log.WriteLineAsync($"testbed silo: the run board of {clusterId} could not be read ({ex.Message}); hosting the services given at start");
            return null;
        }
    }

    /// <summary>Posts <paramref name="run"/>.</summary>
    public static async Task WriteAsync(IDatabase redis, string serviceId, string clusterId, RunLaunch run)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(run);
        await redis.StringSetAsync(Key(serviceId, clusterId), run.ToJson(), Expiry);
    }

    /// <summary>Takes <paramref name="runId"/> off the board, unless another runner posted its own run meanwhile.</summary>
    public static async Task ClearAsync(IDatabase redis, string serviceId, string clusterId, string runId)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var key = Key(serviceId, clusterId);
        var value = await redis.StringGetAsync(key);
        if (!value.IsNullOrEmpty && RunLaunch.FromJson(value.ToString()).RunId == runId)
        {
            await redis.KeyDeleteAsync(key);
        }
    }
}

/// <summary>
/// Lets a silo started by hand (an external cluster's) serve one run after another: <see cref="Switch"/> stops the
/// Orleans host gracefully, and the process starts a new one on the same ports with the next run's services, fresh
/// memory (keys, sessions, caches, events) and grain state under the run's own key prefix. Not registered on silos a
/// runner started for one run.
/// </summary>
public sealed class SiloRunSwitch(IHostApplicationLifetime lifetime, string? currentRun)
{
    private RunLaunch? _next;

    /// <summary>The run the silo serves now (null: none yet).</summary>
    public string? CurrentRun { get; } = currentRun;

    /// <summary>The run to host next, once this host has stopped; null when the silo is to end.</summary>
    public RunLaunch? Next => Volatile.Read(ref _next);

    /// <summary>Stops this host (shortly, so the caller's answer leaves first) to start the next with <paramref name="run"/>.</summary>
    public void Switch(RunLaunch run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Volatile.Write(ref _next, run);
        _ = Task.Run(async () =>
        {
            await Task.Delay(200);
            lifetime.StopApplication();
        });
    }
}
