namespace Testbed.Defenses.Replay;

/// <summary>
/// One receiving principal's replay windows, per sender and session id. The number of sessions per sender is bounded
/// (<see cref="MaxSessionsPerSender"/>); beyond it the least recently used window is dropped, so a sender that
/// cycles through many sessions cannot grow the state without limit (the session layer retires old sessions).
/// </summary>
public sealed class SessionWindows(int windowSize)
{
    /// <summary>Windows kept per sender.</summary>
    public const int MaxSessionsPerSender = 32;

    private readonly Dictionary<string, Dictionary<string, Entry>> _bySender = new(StringComparer.Ordinal);
    private long _clock;

    /// <summary>Windows dropped because a sender exceeded <see cref="MaxSessionsPerSender"/>.</summary>
    public long Evicted { get; private set; }

    /// <summary>The window of <paramref name="sender"/>'s session <paramref name="session"/>, created empty on first use.</summary>
    public SlidingWindow For(string sender, string session)
    {
        if (!_bySender.TryGetValue(sender, out var sessions))
        {
            sessions = new Dictionary<string, Entry>(StringComparer.Ordinal);
            _bySender.Add(sender, sessions);
        }

        if (!sessions.TryGetValue(session, out var entry))
        {
            if (sessions.Count >= MaxSessionsPerSender)
            {
                sessions.Remove(sessions.MinBy(kv => kv.Value.LastUse).Key);
                Evicted++;
            }

            entry = new Entry(new SlidingWindow(windowSize));
            sessions.Add(session, entry);
        }

        entry.LastUse = ++_clock;
        return entry.Window;
    }

    private sealed class Entry(SlidingWindow window)
    {
        public SlidingWindow Window { get; } = window;

        public long LastUse { get; set; }
    }
}
