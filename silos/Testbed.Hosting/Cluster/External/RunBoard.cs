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
/// takes it before it switches the silos — a lease (<see cref="Lease"/>, renewed while the run lasts), so a second
/// runner is refused instead of switching the silos under the first — and a silo the orchestrator restarts mid-run
/// (compose <c>restart:</c>) reads it and comes back with the same services in the same run; the runner clears it when
/// the run ends. It holds no secret: the seed, the workload and the defense entries (keys are made in the silos' memory).
/// </summary>
public static class RunBoard
{
    /// <summary>How long an entry lives unless its runner renews it: a runner that died frees the cluster after this.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    // Compare-and-delete / compare-and-renew: only the run that holds the board touches it.
    private const string DeleteIfOurs = "local v = redis.call('GET', KEYS[1]) if v and string.find(v, ARGV[1], 1, true) then return redis.call('DEL', KEYS[1]) end return 0";
    private const string RenewIfOurs = "local v = redis.call('GET', KEYS[1]) if v and string.find(v, ARGV[1], 1, true) then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

    /// <summary>The key of the cluster's board.</summary>
    public static RedisKey Key(string serviceId, string clusterId) => $"{serviceId}/testbed-run/{clusterId}";

    /// <summary>
    /// The run posted on the board, or null when there is none. Redis not answering is retried for a while (a silo that
    /// came back during a run must not join it with other services); after that the silo hosts what it was given.
    /// </summary>
    public static async Task<RunLaunch?> ReadAsync(string redis, string serviceId, string clusterId, TextWriter log)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
                var value = await connection.GetDatabase().StringGetAsync(Key(serviceId, clusterId));
                return value.IsNullOrEmpty ? null : RunLaunch.FromJson(value.ToString());
            }
            catch (JsonException ex)
            {
                await log.WriteLineAsync($"testbed silo: the run board of {clusterId} holds no run ({ex.Message}); hosting the services given at start");
                return null;
            }
            catch (RedisException ex)
            {
                if (attempt >= 15)
                {
                    await log.WriteLineAsync($"testbed silo: the run board of {clusterId} could not be read for 30 s ({ex.Message}); hosting the services given at start");
                    return null;
                }

                await log.WriteLineAsync($"testbed silo: the run board of {clusterId} could not be read ({ex.Message}); retrying");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    /// <summary>Takes the board for <paramref name="run"/>; false when another run holds it.</summary>
    public static async Task<bool> TryTakeAsync(IDatabase redis, string serviceId, string clusterId, RunLaunch run)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(run);
        return await redis.StringSetAsync(Key(serviceId, clusterId), run.ToJson(), Lease, When.NotExists);
    }

    /// <summary>The run that holds the board now, or null.</summary>
    public static async Task<string?> HolderAsync(IDatabase redis, string serviceId, string clusterId)
    {
        var value = await redis.StringGetAsync(Key(serviceId, clusterId));
        try
        {
            return value.IsNullOrEmpty ? null : RunLaunch.FromJson(value.ToString()).RunId;
        }
        catch (JsonException)
        {
            return "(unreadable)";
        }
    }

    /// <summary>Extends <paramref name="runId"/>'s lease; false when it no longer holds the board.</summary>
    public static async Task<bool> RenewAsync(IDatabase redis, string serviceId, string clusterId, string runId) =>
        (long)await redis.ScriptEvaluateAsync(RenewIfOurs, [Key(serviceId, clusterId)], [Marker(runId), (long)Lease.TotalMilliseconds]) == 1;

    /// <summary>Takes <paramref name="runId"/> off the board, unless another run holds it.</summary>
    public static async Task ClearAsync(IDatabase redis, string serviceId, string clusterId, string runId)
    {
        ArgumentNullException.ThrowIfNull(redis);
        await redis.ScriptEvaluateAsync(DeleteIfOurs, [Key(serviceId, clusterId)], [Marker(runId)]);
    }

    /// <summary>What identifies a run's entry: its id as the JSON carries it.</summary>
    private static string Marker(string runId) => $"\"runId\":\"{runId}\"";
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
