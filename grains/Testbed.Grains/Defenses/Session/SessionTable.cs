using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Defenses.Session;

/// <summary>
/// One endpoint's sessions (kept in <see cref="DefenseEndpoint.State{T}"/>): per peer the sessions it initiated and the
/// ones it accepted, at most <see cref="Retained"/> of each (the newest plus a grace predecessor for in-flight
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

    /// <summary>An endpoint's sessions with one peer.</summary>
    internal sealed class PeerSessions
    {
        private readonly List<SessionState> _initiated = new(Retained + 1);
        private readonly List<SessionState> _accepted = new(Retained + 1);

        /// <summary>The handshake this endpoint is running with the peer, shared by every send that waits for it.</summary>
        public Task<SessionState>? Pending { get; set; }

        /// <summary>The newest session this endpoint initiated, if any.</summary>
        public SessionState? Current => _initiated.Count == 0 ? null : _initiated[^1];

        /// <summary>The newest session this endpoint accepted from the peer, if any.</summary>
        public SessionState? LatestAccepted => _accepted.Count == 0 ? null : _accepted[^1];

        /// <summary>Epoch for the next session in the given role.</summary>
        public int NextEpoch(bool asInitiator) => (asInitiator ? _initiatedCount : _acceptedCount) + 1;

        private int _initiatedCount;
        private int _acceptedCount;

        /// <summary>Adds a session; retires the oldest beyond <see cref="Retained"/>.</summary>
        public void Add(SessionState session)
        {
            var list = session.IsInitiator ? _initiated : _accepted;
            if (session.IsInitiator)
            {
                _initiatedCount++;
            }
            else
            {
                _acceptedCount++;
            }

            list.RemoveAll(s => s.Id == session.Id && Retire(s));
            list.Add(session);
            while (list.Count > Retained)
            {
                list[0].Retire();
                list.RemoveAt(0);
            }
        }

        /// <summary>The live session with <paramref name="id"/> in the given role.</summary>
        public SessionState? Find(bool asInitiator, ulong id)
        {
            foreach (var session in asInitiator ? _initiated : _accepted)
            {
                if (session.Id == id)
                {
                    return session;
                }
            }

            return null;
        }

        private static bool Retire(SessionState session)
        {
            session.Retire();
            return true;
        }
    }
}
