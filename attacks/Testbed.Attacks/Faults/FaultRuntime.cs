using Testbed.Attacks.Api;

namespace Testbed.Attacks.Faults;

/// <summary>
/// Runs one fault of a scenario: opens its window at <c>start</c> and closes it at <c>stop</c> (offsets from the start of
/// the workload), and reports what it did. An exception from the fault is recorded, never thrown into the run.
/// </summary>
public sealed class FaultRuntime(Fault fault, TimeSpan start, TimeSpan stop, FaultContext context)
{
    /// <summary>The fault's context (counts, actions).</summary>
    public FaultContext Context { get; } = context;

    /// <summary>Waits for the window, runs the fault in it, and returns when it has reverted.</summary>
    public async Task RunAsync(CancellationToken runEnded)
    {
        try
        {
            await Task.Delay(start, Context.Time, runEnded);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Context.OpenedAt = Context.Time.GetUtcNow();
        using var closes = new CancellationTokenSource(stop - start, Context.Time); // the window's length on the run's clock
        using var window = CancellationTokenSource.CreateLinkedTokenSource(runEnded, closes.Token);
        try
        {
            await fault.RunAsync(Context, window.Token);
        }
        catch (OperationCanceledException) when (window.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Context.RecordError(ex);
        }
    }

    /// <summary>What the fault did, for result.json.</summary>
    public FaultResult Conclude() => new(fault.Kind, start.TotalMilliseconds, stop.TotalMilliseconds, fault.Targets, Context.Injected,
        Context.OpenedAt is not null, Context.Actions, Context.Errors)
    {
        SlowHooks = Context.SlowHooks,
    };
}

/// <summary>
/// One fault's record in result.json: <c>{kind, startMs, stopMs, targets, injected}</c>, where <c>injected</c> counts what
/// the fault really did (messages dropped, delayed, duplicated, held, corrupted or cut; silos struck; clocks skewed).
/// </summary>
public sealed record FaultResult(
    string Kind,
    double StartMs,
    double StopMs,
    string Targets,
    long Injected,
    bool Opened,
    IReadOnlyList<FaultAction> Actions,
    IReadOnlyList<string> Errors)
{
    /// <summary>
    /// The fault's synchronous hooks that held the wire longer than <see cref="SlowHook.ThresholdMs"/> (see
    /// <see cref="FaultContext.SlowHooks"/>); empty when none did. Reported only: a slow hook does not fail the run.
    /// </summary>
    public IReadOnlyList<SlowHook> SlowHooks { get; init; } = [];
}
