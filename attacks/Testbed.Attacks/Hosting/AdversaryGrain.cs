using Microsoft.Extensions.DependencyInjection;
using Orleans.Placement;
using Testbed.Attacks.Api;
using Testbed.Wire;
using Testbed.Workload;

namespace Testbed.Attacks.Hosting;

/// <summary>
/// An adversary: one attack of one run, living in this activation — the attack instance, its knowledge and its attempt
/// log. Armed from the silo's <see cref="AdversaryEnvironment"/>, it attaches to the silo's <see cref="WireHooks"/> with
/// exactly the capabilities the attack declares; its window runs as a background task of the activation, so the grain
/// answers <see cref="Close"/> and <see cref="Status"/> while the attack acts. The attack's hooks run on wire threads and
/// its actions on the thread pool, never in a grain turn; an exception in its code is recorded in the result.
/// <para>
/// Placement: <see cref="PreferLocalPlacementAttribute"/> — on the caller's silo when a grain or silo code arms it, on a
/// random compatible silo when a client does. The scenario runner arms them from silo 0, which node faults never strike,
/// so a crash never takes an adversary's knowledge with it. Adversaries are not services: they take no part in
/// <c>SpreadPlacement</c>, implement no <see cref="IEnvelopeEndpoint"/> and hold no principal's key. Where one lives does not
/// change what it sees: every silo of an embedded cluster shares the run's hooks. <see cref="ImmovableAttribute"/>: its
/// state is in memory and attached to the wire, so the activation must never be migrated.
/// </para>
/// </summary>
[PreferLocalPlacement]
[Immovable]
[Orleans.GrainDirectory.GrainDirectory(GrainDirectoryName = Testbed.Hosting.PinnedDirectory.Name)] // survives the loss of another silo
public sealed class AdversaryGrain(IServiceProvider services, ILocalSiloDetails silo) : Grain, IAdversaryGrain
{
    private AdversaryRuntime? _runtime;
    private TimeSpan _stopGrace;
    private TimeProvider _time = TimeProvider.System;
    private CancellationTokenSource? _runEnded;
    private Task? _window;
    private Task? _stopped;

    /// <summary>The key of attack <paramref name="index"/> of run <paramref name="run"/> (a short lowercase id).</summary>
    public static string Key(string run, int index) => $"{run}-{index}";

    /// <inheritdoc />
    public Task<AdversaryStatus> Arm(AdversarySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (_runtime is not null)
        {
            throw new InvalidOperationException($"{this.GetGrainId()} is already armed");
        }

        var environment = services.GetService<AdversaryEnvironment>()
            ?? throw new InvalidOperationException($"silo {silo.Name} hosts no adversaries (see AddTestbedAdversaries)");
        var (attack, options) = environment.Attacks.Create(spec.Kind, spec.Options, spec.Script);
        _runtime = new AdversaryRuntime(attack, options, spec.Start, spec.Stop, services.GetRequiredService<WireHooks>(), spec.Seed,
            environment.Time, environment.Compromise);
        _stopGrace = environment.StopGrace;
        _time = environment.Time;
        DelayDeactivation(TimeSpan.MaxValue); // its state lives here until it concludes
        return Status();
    }

    /// <inheritdoc />
    public Task Open(DateTimeOffset workloadStartedAt)
    {
        var runtime = Armed();
        if (_window is not null || _stopped is not null)
        {
            throw new InvalidOperationException($"{this.GetGrainId()}'s window was already opened or closed");
        }

        _runEnded = new CancellationTokenSource();
        var runEnded = _runEnded.Token;
        runtime.OpenIfDue(workloadStartedAt); // before the workload starts: a window due now misses none of its messages
        _window = Task.Run(() => runtime.RunAsync(workloadStartedAt, runEnded), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Close() => _stopped ??= StopAsync();

    /// <inheritdoc />
    public async Task<AttackResult> Conclude(RunGroundTruth truth)
    {
        ArgumentNullException.ThrowIfNull(truth);
        var runtime = Armed();
        await Close();
        var customers = services.GetService<CustomerDirectory>()?.Profiles ?? [];
        var judgement = new AttackJudgement(runtime.Context.Attempts.All, runtime.Context.Knowledge, truth.Check, truth.History,
            truth.FinalState, customers, truth.WorkloadStartedAt);
        var result = runtime.Conclude(judgement, truth.Events, sender => truth.FirstBlockedAt.TryGetValue(sender, out var at) ? at : null);
        DeactivateOnIdle();
        return result with { Grain = this.GetGrainId().ToString(), Silo = silo.Name };
    }

    /// <inheritdoc />
    public Task<AdversaryStatus> Status() => Task.FromResult(new AdversaryStatus(_runtime?.Info.Kind ?? "", this.GetGrainId().ToString(),
        silo.Name, _runtime?.IsOpen ?? false, _runtime?.Context.Attempts.All.Count ?? 0, _runtime?.ErrorCount ?? 0));

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await Close();
        _runEnded?.Dispose();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    private AdversaryRuntime Armed() =>
        _runtime ?? throw new InvalidOperationException($"{this.GetGrainId()} is not armed (an activation that was lost forgets its attack)");

    private async Task StopAsync()
    {
        if (_runEnded is not null)
        {
            await _runEnded.CancelAsync();
        }

        if (_window is not null && _runtime is not null)
        {
            try
            {
                await _window.WaitAsync(_stopGrace, _time);
            }
            catch (TimeoutException)
            {
                _runtime.RecordError("act", new TimeoutException($"still running {_stopGrace.TotalSeconds:0.###} s after its window closed; detached"));
            }
        }

        _runtime?.Detach();
    }
}
