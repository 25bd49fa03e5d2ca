using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Testbed.Defenses.Session;

/// <summary>
/// One established session between this endpoint and <see cref="Peer"/>, as the session layer puts it in
/// <see cref="MessageContext.Session"/>. Requests on a session flow initiator → responder and replies
/// responder → initiator, so <see cref="Outbound"/> (what this endpoint seals) and <see cref="Inbound"/> (what it opens)
/// follow from <see cref="IsInitiator"/>. Keys stay inside; the protection layers reach them through assembly-internal
/// members. Used from one grain activation at a time (not thread-safe).
/// </summary>
public sealed class SessionState
{
    internal SessionState(
        ulong id, string peer, bool isInitiator, int epoch, DateTimeOffset created, SessionKeyAgreement keyAgreement,
        ProtectionSet chosen, SessionDirection outbound, SessionDirection inbound)
    {
        Id = id;
        IdText = id.ToString("x16", CultureInfo.InvariantCulture);
        KeySegment = "s=" + IdText;
        Peer = peer;
        IsInitiator = isInitiator;
        Epoch = epoch;
        Created = created;
        KeyAgreement = keyAgreement;
        Chosen = chosen;
        Outbound = outbound;
        Inbound = inbound;
    }

    /// <summary>The random 64-bit session id (derived from the key schedule, so neither side picks it).</summary>
    public ulong Id { get; }

    /// <summary>The id as carried in the key id segment <c>s</c>: 16 lowercase hex digits.</summary>
    public string IdText { get; }

    /// <summary>The key id of a data envelope on this session when no other layer set one: <c>s=</c><see cref="IdText"/>.</summary>
    internal string KeySegment { get; }

    /// <summary>The other principal.</summary>
    public string Peer { get; }

    /// <summary>True when this endpoint started the handshake (and sends requests on the session).</summary>
    public bool IsInitiator { get; }

    /// <summary>1 for this endpoint's first session with <see cref="Peer"/> in this role, then 2, 3, … after each rekey.</summary>
    public int Epoch { get; }

    /// <summary>When the session was established (by the environment's clock).</summary>
    public DateTimeOffset Created { get; }

    /// <summary>The key agreement the handshake used.</summary>
    public SessionKeyAgreement KeyAgreement { get; }

    /// <summary>The protections both sides agreed to apply (e.g. {encrypt,mac}).</summary>
    public ProtectionSet Chosen { get; }

    /// <summary>Keys for what this endpoint seals on the session.</summary>
    public SessionDirection Outbound { get; }

    /// <summary>Keys for what this endpoint opens on the session.</summary>
    public SessionDirection Inbound { get; }

    /// <summary>Envelopes this endpoint has sealed on the session.</summary>
    public long MessagesSent { get; private set; }

    /// <summary>The version of the peer's long-term key that signed its half of the handshake.</summary>
    public int PeerKeyVersion { get; private set; }

    /// <summary>The version of this endpoint's long-term key that signed its half of the handshake.</summary>
    public int OwnKeyVersion { get; private set; }

    /// <summary>The trust store's revocation epoch at which both key versions were last found not revoked (-1: never checked).</summary>
    internal long TrustEpoch { get; set; } = -1;

    /// <summary>Requests this endpoint accepted on the session (as responder): counted once every layer let one through.</summary>
    public long MessagesReceived { get; private set; }

    /// <summary>
    /// Why the session ended before it was replaced (<c>session-expired</c>, <c>revoked-session</c>), or null while it
    /// may carry new requests. An
    /// ended session keeps its keys until it is retired, so replies to requests accepted before still go back on it.
    /// </summary>
    public string? EndReason { get; private set; }

    /// <summary>True once the session was replaced and its keys destroyed; nothing can be sealed or opened on it.</summary>
    public bool IsRetired { get; private set; }

    /// <summary>
    /// True once the session is known to be shared: for the initiator when the responder's signature over the transcript
    /// verified, for the responder once a request on it passed every layer (see <see cref="SessionTable.PeerSessions"/>).
    /// </summary>
    public bool IsConfirmed { get; private set; }

    /// <summary>Set when the peer seems to have lost the session (an unprotected rejection came back on it).</summary>
    internal bool NeedsRenewal { get; set; }

    /// <summary>The keys for sealing (<paramref name="sealing"/>) or opening on this session.</summary>
    public SessionDirection Keys(bool sealing) => sealing ? Outbound : Inbound;

    /// <summary>The next outbound sequence number (1, 2, …): the per-direction counter nonces derive from.</summary>
    internal ulong NextSequence() => (ulong)++MessagesSent;

    /// <summary>Records which long-term key versions authenticated the handshake (set once, when the session is made).</summary>
    internal SessionState MadeWith(int ownKeyVersion, int peerKeyVersion)
    {
        (OwnKeyVersion, PeerKeyVersion) = (ownKeyVersion, peerKeyVersion);
        return this;
    }

    /// <summary>Marks the session confirmed (see <see cref="IsConfirmed"/>).</summary>
    internal void Confirm() => IsConfirmed = true;

    /// <summary>Counts a request accepted on the session.</summary>
    internal void CountReceived() => MessagesReceived++;

    /// <summary>Ends the session for <paramref name="reason"/> (the first reason stays): no new request goes on it.</summary>
    internal void End(string reason) => EndReason ??= reason;

    /// <summary>Destroys the keys; later use is refused.</summary>
    internal void Retire()
    {
        IsRetired = true;
        Outbound.Destroy();
        Inbound.Destroy();
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"session {IdText} with {Peer} ({(IsInitiator ? "initiator" : "responder")}, epoch {Epoch}, {Chosen}{(EndReason is null ? "" : ", ended: " + EndReason)}{(IsRetired ? ", retired" : "")})";
}

/// <summary>
/// The keys of one direction of a session: a 32-byte AEAD key, a 32-byte HMAC key and a 12-byte nonce mask. Nonces are
/// the mask XOR (4 zero bytes ‖ 8-byte big-endian sequence), so they never repeat while sequences do not; outbound
/// sequences are claimed through <see cref="TryClaimNonce"/>, which refuses any sequence claimed before.
/// </summary>
public sealed class SessionDirection
{
    private readonly byte[] _encryptionKey;
    private readonly byte[] _macKey;
    private readonly byte[] _iv;
    private ulong _claimedUpTo;
    private ulong _window;

    internal SessionDirection(bool initiatorToResponder, byte[] encryptionKey, byte[] macKey, byte[] iv)
    {
        InitiatorToResponder = initiatorToResponder;
        _encryptionKey = encryptionKey;
        _macKey = macKey;
        _iv = iv;
        KeyFingerprint = ComputeFingerprint();
    }

    /// <summary>True for the initiator → responder direction (requests), false for replies.</summary>
    public bool InitiatorToResponder { get; }

    /// <summary>A one-way fingerprint of the keys (16 hex digits of SHA-256), safe to log and compare.</summary>
    public string KeyFingerprint { get; }

    /// <summary>The AEAD key.</summary>
    internal ReadOnlySpan<byte> EncryptionKey => _encryptionKey;

    /// <summary>The HMAC-SHA256 key.</summary>
    internal ReadOnlySpan<byte> MacKey => _macKey;

    /// <summary>The encrypt layer's cached AEAD instance for this direction (disposed when the session retires).</summary>
    internal IDisposable? Cipher { get; set; }

    /// <summary>Writes the 12-byte nonce of <paramref name="sequence"/>.</summary>
    internal void WriteNonce(ulong sequence, Span<byte> nonce)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], sequence);
        for (var i = 0; i < SessionKeySchedule.IvLength; i++)
        {
            nonce[i] ^= _iv[i];
        }
    }

    /// <summary>
    /// Records that <paramref name="sequence"/> is about to be used under this key; false when it is 0 or may have been
    /// used before (so a nonce is never reused, even if a later layer rewrote the sequence). Sequences may arrive up to
    /// 64 out of order; anything older counts as used.
    /// </summary>
    internal bool TryClaimNonce(ulong sequence)
    {
        if (sequence == 0 || sequence <= _claimedUpTo)
        {
            return false;
        }

        var offset = sequence - _claimedUpTo - 1;
        if (offset >= 64)
        {
            var shift = offset - 63;
            _window = shift >= 64 ? 0 : _window >> (int)shift;
            _claimedUpTo += shift;
            offset = 63;
        }

        var bit = 1UL << (int)offset;
        if ((_window & bit) != 0)
        {
            return false;
        }

        _window |= bit;
        while ((_window & 1) != 0)
        {
            _window >>= 1;
            _claimedUpTo++;
        }

        return true;
    }

    /// <summary>Zeroes the keys and disposes the cached cipher.</summary>
    internal void Destroy()
    {
        Cipher?.Dispose();
        Cipher = null;
        CryptographicOperations.ZeroMemory(_encryptionKey);
        CryptographicOperations.ZeroMemory(_macKey);
        CryptographicOperations.ZeroMemory(_iv);
    }

    private string ComputeFingerprint()
    {
        Span<byte> hash = stackalloc byte[32];
        using (var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            h.AppendData("testbed-session/1 fingerprint\0"u8);
            h.AppendData(_encryptionKey);
            h.AppendData(_macKey);
            h.AppendData(_iv);
            h.GetHashAndReset(hash);
        }

        return Convert.ToHexStringLower(hash[..8]);
    }
}
