namespace Testbed.Defenses.Identity;

/// <summary>What a trust store may do about a lookup above the newest key version it knows of a principal.</summary>
internal enum VersionPermit
{
    /// <summary>The version is one the CA has issued (at or below the newest known): ask for its certificate.</summary>
    Ask,
    /// <summary>Above the newest known version, and no miss lately: ask, and report the answer (<see cref="KeyVersionFloor.Answered"/>).</summary>
    AskAbove,
    /// <summary>Above the newest known version within a quiet period after a miss: unknown, without asking.</summary>
    Refuse,
}

/// <summary>
/// One principal's key versions as a trust store knows them from the CA's answers: the newest version issued
/// (<see cref="Current"/>; the CA issues 1, 2, … so every version up to it exists) and, after a lookup above it came back
/// empty, a quiet period in which versions above it are unknown without asking the CA again. So forged frames naming
/// random versions (<c>k=999</c>) cost the CA at most one lookup per principal per quiet period, while a real new version
/// (a rotation) is found at the first lookup after that period — at once when nothing forged came first. Lookups above
/// <see cref="Current"/> made while one is under way wait for its answer (it tells the newest version) instead of asking
/// too. Thread-safe.
/// </summary>
internal sealed class KeyVersionFloor
{
    private readonly Lock _gate = new();
    private int _current;
    private long _quietUntilMs = long.MinValue;
    private TaskCompletionSource? _asking;

    /// <summary>The newest version the CA reported (or a rotation implied); 0 before any answer.</summary>
    public int Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>True when nothing is known yet and nothing is under way (such floors can be forgotten).</summary>
    public bool IsIdleAndEmpty(long nowMs)
    {
        lock (_gate)
        {
            return _current == 0 && _asking is null && nowMs >= _quietUntilMs;
        }
    }

    /// <summary>True when <paramref name="version"/> is above <see cref="Current"/> within a quiet period (answer unknown now).</summary>
    public bool IsQuiet(int version, long nowMs)
    {
        lock (_gate)
        {
            return version > _current && _asking is null && nowMs < _quietUntilMs;
        }
    }

    /// <summary>Whether a lookup of <paramref name="version"/> may ask the CA; an <see cref="VersionPermit.AskAbove"/> must be answered.</summary>
    public async ValueTask<VersionPermit> PermitAsync(int version, Func<long> nowMs)
    {
        for (var waited = false; ; waited = true)
        {
            Task pending;
            lock (_gate)
            {
                if (version <= _current)
                {
                    return VersionPermit.Ask;
                }

                if (_asking is null)
                {
                    if (nowMs() < _quietUntilMs)
                    {
                        return VersionPermit.Refuse;
                    }

                    _asking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    return VersionPermit.AskAbove;
                }

                if (waited)
                {
                    return VersionPermit.Refuse; // the lookup it waited for found nothing this high
                }

                pending = _asking.Task;
            }

            await pending.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records the CA's answer to a lookup: the principal's newest version, and — after an
    /// <see cref="VersionPermit.AskAbove"/> — whether the version asked for was found (a miss starts a quiet period of
    /// <paramref name="quietMs"/>). Pass <paramref name="current"/> null when the lookup failed (nothing learned, no quiet period).
    /// </summary>
    public void Answered(VersionPermit permit, int? current, bool found, long nowMs, long quietMs)
    {
        TaskCompletionSource? done = null;
        lock (_gate)
        {
            _current = Math.Max(_current, current ?? 0);
            if (permit == VersionPermit.AskAbove)
            {
                if (current is not null && !found)
                {
                    _quietUntilMs = nowMs + quietMs;
                }

                (done, _asking) = (_asking, null);
            }
        }

        done?.TrySetResult();
    }

    /// <summary>A revocation for rotation of <paramref name="version"/> means the CA issued the next one.</summary>
    public void Rotated(int version)
    {
        lock (_gate)
        {
            _current = Math.Max(_current, version + 1);
        }
    }
}
