using Microsoft.Extensions.DependencyInjection;

namespace Testbed.Hosting;

/// <summary>
/// Pauses a silo as a stopped process would be (Jepsen's pause nemesis, SIGSTOP): while paused, every grain call arriving
/// at the silo waits at the door and runs only after <see cref="Resume"/>; callers see the stall (and time out if it lasts
/// longer than their response timeout). Orleans' own system traffic (membership probes) is not held, so the cluster does
/// not declare the silo dead — a pause is a stall, not a crash. Costs one volatile read per grain call while not paused.
/// </summary>
public sealed class SiloPause : IIncomingGrainCallFilter
{
    private TaskCompletionSource? _paused;
    private long _held;

    /// <summary>True while paused.</summary>
    public bool IsPaused => Volatile.Read(ref _paused) is not null;

    /// <summary>Grain calls that had to wait for a resume so far.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>Holds grain calls from now on (no effect when already paused).</summary>
    public void Pause() => Interlocked.CompareExchange(ref _paused, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    /// <summary>Lets held and new grain calls run.</summary>
    public void Resume() => Interlocked.Exchange(ref _paused, null)?.TrySetResult();

    /// <inheritdoc />
    public Task Invoke(IIncomingGrainCallContext context)
    {
        var gate = Volatile.Read(ref _paused);
        return gate is null ? context.Invoke() : HeldAsync(gate, context);
    }

    private async Task HeldAsync(TaskCompletionSource gate, IIncomingGrainCallContext context)
    {
        Interlocked.Increment(ref _held);
        await gate.Task; // stays on the grain's scheduler: the call then runs as an ordinary turn
        await context.Invoke();
    }
}

/// <summary>Registers <see cref="SiloPause"/> on a silo.</summary>
public static class SiloPauseSiloBuilderExtensions
{
    /// <summary>Makes the silo pausable: adds its <see cref="SiloPause"/> as an incoming grain call filter.</summary>
    public static ISiloBuilder AddSiloPause(this ISiloBuilder builder)
    {
        builder.Services.AddSingleton<SiloPause>();
        builder.Services.AddSingleton<IIncomingGrainCallFilter>(sp => sp.GetRequiredService<SiloPause>());
        return builder;
    }
}
