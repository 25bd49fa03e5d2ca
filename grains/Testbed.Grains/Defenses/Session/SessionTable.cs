using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Defenses.Session;

/// <summary>
/// One endpoint's sessions (kept in <see cref="DefenseEndpoint.State{T}"/>): per peer the sessions it initiated and the
/// ones it accepted and saw confirmed, at most <see cref="Retained"/> of each (the newest plus a grace predecessor for in-flight
/// messages; older ones are retired and their keys destroyed), the handshake in flight, and the initiator randoms of
/// recently accepted handshakes (so a recorded handshake cannot be replayed).
/// </summary>
internal sealed class SessionTable
{
    /// <summary>Sessions kept per peer and role.</summary>
    public const int Retained = 2;

    /// <summary>
    /// How old a session must be before an unprotected <see cref="EnvelopeKind.Rejected"/> reply renews it: the only sign
    /// that a peer lost the session is unauthenticated, so it may cost at most one handshake per peer per this interval.
    /// </summary>
    public static readonly TimeSpan RenewalBackoff = TimeSpan.FromMilliseconds(250);

    /// <summary>The key id segment that carries the session id.</summary>
    public const string Segment = "s";

    private readonly Dictionary<string, PeerSessions> _peers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _seenRandoms = new(StringComparer.Ordinal);

    /// <summary>The table of <paramref name="endpoint"/>.</summary>
    public static SessionTable Of(DefenseEndpoint endpoint) => endpoint.State(() => new SessionTable());

    /// <summary>The sessions with <paramref name="peer"/> (created empty on first use).</summary>
    public PeerSessions Peer(string peer)
    {
        if (!_peers.TryGetValue(peer, out var sessions))
        {
            sessions = new PeerSessions();
            _peers[peer] = sessions;
        }

        return sessions;
    }

    /// <summary>
    /// Finds the session a data envelope claims (sender + <c>s</c> segment): among the sessions this endpoint accepted
    /// for a request, among those it initiated for a reply, and for a reply only the one its request was sealed on
    /// (<paramref name="context"/>'s session). Returns null and the session, or a rejection reason. An unprotected
    /// <see cref="EnvelopeKind.Rejected"/> reply marks the request's session for renewal: the peer probably lost it.
    /// </summary>
    public static string? Find(Envelope envelope, MessageContext context, out SessionState? session)
    {
        session = null;
        var isReply = context.Direction == WireDirection.Reply;
        if (!KeyIdSegments.TryGet(envelope.KeyId, Segment, out var text) || !TryParseId(text, out var id))
        {
            if (isReply && envelope.Kind == EnvelopeKind.Rejected && context.Session is SessionState { IsInitiator: true } asked)
            {
                // Anyone can forge an unprotected refusal: renew at most once per RenewalBackoff, so forged refusals cannot
                // force a handshake per message.
                if (context.Endpoint.Environment.Time.GetUtcNow() - asked.Created >= RenewalBackoff)
                {
                    asked.NeedsRenewal = true;
                }

                return "unprotected-reply";
            }

            return "unknown-session";
        }

        if (!Of(context.Endpoint)._peers.TryGetValue(envelope.Sender, out var peer)
            || peer.Find(asInitiator: isReply, id) is not { } found)
        {
            return "unknown-session";
        }

        if (isReply && context.Session is not null && !ReferenceEquals(context.Session, found))
        {
            return "wrong-session";
        }

        session = found;
        return null;
    }

    /// <summary>True when <paramref name="random"/> (an initiator random, hex) was not accepted within the window.</summary>
    public bool IsFreshRandom(string random, DateTimeOffset now) =>
        !_seenRandoms.TryGetValue(random, out var expires) || expires <= now;

    /// <summary>Remembers an accepted initiator random until <paramref name="expires"/>, dropping expired ones.</summary>
    public void RememberRandom(string random, DateTimeOffset now, DateTimeOffset expires)
    {
        if (_seenRandoms.Count >= 64)
        {
            foreach (var (key, until) in _seenRandoms)
            {
                if (until <= now)
                {
                    _seenRandoms.Remove(key);
                }
            }
        }

        _seenRandoms[random] = expires;
    }

    /// <summary>Parses exactly 16 lowercase hex digits.</summary>
    private static bool TryParseId(string text, out ulong id)
    {
        id = 0;
        if (text.Length != 16)
        {
            return false;
        }

        foreach (var c in text)
        {
            var digit = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'f' ? c - 'a' + 10 : -1;
            if (digit < 0)
            {
                return false;
            }

            id = (id << 4) | (uint)digit;
        }

        return true;
    }

    /// <summary>
    /// An endpoint's sessions with one peer. A session this endpoint accepted starts unconfirmed: the hello that made it
    /// may be a recording replayed after this activation forgot its randoms, and its sender cannot use it. It joins the
    /// live ones (and may retire an older one) only once a request on it passed every layer — proof that the initiator
    /// holds its keys (implicit key confirmation, as in WireGuard). At most <see cref="Unconfirmed"/> wait; the oldest
    /// unconfirmed one is retired for a newer, never a live one.
    /// </summary>
    internal sealed class PeerSessions
    {
        /// <summary>Unconfirmed accepted sessions kept per peer.</summary>
        public const int Unconfirmed = 4;

        private readonly List<SessionState> _initiated = new(Retained + 1);
        private readonly List<SessionState> _accepted = new(Retained + 1);
        private readonly List<SessionState> _unconfirmed = new(Unconfirmed + 1);
        private int _initiatedCount;
        private int _acceptedCount;

        /// <summary>The handshake this endpoint is running with the peer, shared by every send that waits for it.</summary>
        public Task<SessionState>? Pending { get; set; }

        /// <summary>The newest session this endpoint initiated, if any.</summary>
        public SessionState? Current => _initiated.Count == 0 ? null : _initiated[^1];

        /// <summary>The newest session this endpoint accepted from the peer, confirmed or not, if any.</summary>
        public SessionState? LatestAccepted => _unconfirmed.Count > 0 ? _unconfirmed[^1] : _accepted.Count == 0 ? null : _accepted[^1];

        /// <summary>The confirmed sessions this endpoint accepted from the peer, oldest first.</summary>
        public IReadOnlyList<SessionState> Confirmed => _accepted;

        /// <summary>Epoch for the next session in the given role.</summary>
        public int NextEpoch(bool asInitiator) => (asInitiator ? _initiatedCount : _acceptedCount) + 1;

        /// <summary>
        /// Adds a session: one this endpoint initiated is live at once (the responder's signature over the transcript
        /// confirmed it) and retires the oldest beyond <see cref="Retained"/>; one it accepted waits for confirmation.
        /// </summary>
        public void Add(SessionState session)
        {
            if (session.IsInitiator)
            {
                _initiatedCount++;
                session.Confirm();
                Keep(_initiated, session, Retained);
            }
            else
            {
                _acceptedCount++;
                Keep(_unconfirmed, session, Unconfirmed);
            }
        }

        /// <summary>
        /// Makes an unconfirmed accepted session live (a request on it passed every layer): retires the oldest live one
        /// beyond <see cref="Retained"/>, and the unconfirmed ones made before it — the initiator has moved past them.
        /// </summary>
        public void Confirm(SessionState session)
        {
            if (!session.IsConfirmed && _unconfirmed.Remove(session))
            {
                session.Confirm();
                _unconfirmed.RemoveAll(s => s.Epoch < session.Epoch && Retire(s));
                Keep(_accepted, session, Retained);
            }
        }

        /// <summary>The session with <paramref name="id"/> in the given role (accepted: live or unconfirmed).</summary>
        public SessionState? Find(bool asInitiator, ulong id) =>
            asInitiator ? Find(_initiated, id) : Find(_accepted, id) ?? Find(_unconfirmed, id);

        private static SessionState? Find(List<SessionState> sessions, ulong id)
        {
            foreach (var session in sessions)
            {
                if (session.Id == id)
                {
                    return session;
                }
            }

            return null;
        }

        private static void Keep(List<SessionState> list, SessionState session, int limit)
        {
            list.RemoveAll(s => s.Id == session.Id && Retire(s));
            list.Add(session);
            while (list.Count > limit)
            {
                list[0].Retire();
                list.RemoveAt(0);
            }
        }

        private static bool Retire(SessionState session)
        {
            session.Retire();
            return true;
        }
    }
}
