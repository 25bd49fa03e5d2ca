using System.Collections.Concurrent;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hooks;
using Testbed.Checking;
using Testbed.Defenses;
using Testbed.Defenses.Identity;
using Testbed.Envelopes;
using Testbed.Services.Payments;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// Is handed a principal's long-term key at <c>at</c> (Tamarin's Reveal), or as soon after as the principal has one. (a) Past
/// traffic: it records every envelope to or from the victim until then (<see cref="RecordedSessions"/>), and once handed the
/// key really tries to read it: for every recorded session of the victim it derives the session keys from what the key
/// agrees to and the recorded handshake, and opens the recorded data envelopes with them. With ephemeral key agreement
/// (forward secrecy) that opens nothing; with <c>session: {keyAgreement: static}</c> it opens the sessions; what was sent
/// in clear was readable all along. Credentials read either way feed the forged orders. (b) Impersonation, by mode. <c>sign</c> (default): forges the
/// customer's signed orders (credentials sniffed, else guessed) every <c>interval</c>. <c>session</c>: runs a session
/// handshake as the payment shard <c>payments/&lt;victim&gt;</c> with <c>account/&lt;account&gt;</c>, signed with the stolen key, and
/// sends forged credits on that one session every <c>interval</c>, whatever happens to the key. The defender revokes the
/// key <c>revokeAfter</c> later; the forgeries keep working until the defenses act on it — the window is reported.
/// CAPEC-560, ATT&amp;CK T1552.004.
/// </summary>
public sealed class KeyCompromise : Attack
{
    private readonly ConcurrentDictionary<string, string> _credentials = new(StringComparer.Ordinal);
    private string _victim = "customer/1", _account = "account/1";
    private bool _sessionMode;
    private TimeSpan _at, _revokeAfter, _interval;
    private readonly RecordedSessions _recorded = new();
    private SessionReading? _reading;
    private int _count, _handshakes;
    private DateTimeOffset? _compromisedAt, _revokedAt, _sessionAt;
    private string? _handshakeRefused;

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("key-compromise", "CAPEC-560", "T1552.004",
        AdversaryCapabilities.Observe | AdversaryCapabilities.Inject | AdversaryCapabilities.Compromise, "is handed a principal's long-term key, then reads and impersonates");

    /// <inheritdoc />
    public override string? Variant => _sessionMode ? "session" : null;

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        _sessionMode = options.Choice("mode", "sign", "sign", "session") == "session";
        var victim = options.Integer("victim", _sessionMode ? 0 : 1, 0, 1_000_000);
        _victim = _sessionMode ? $"payments/{victim}" : $"customer/{victim}";
        _account = $"account/{options.Integer("account", 1, 0, 1_000_000)}";
        (_at, _revokeAfter, _interval) = (options.Duration("at", TimeSpan.FromMilliseconds(300)), options.Duration("revokeAfter", TimeSpan.FromMilliseconds(500)), options.Duration("interval", TimeSpan.FromMilliseconds(20)));
        _count = options.Integer("count", 60, 1, 100_000);
    }

    /// <inheritdoc />
    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is not { Injected: false, Envelope: { } e } || (e.Sender != _victim && e.Recipient != _victim) || _compromisedAt is not null)
        {
            return;
        }

        _recorded.Record(e);
        Sniff(e); // in clear before the compromise: readable with or without the key
    }

    /// <inheritdoc />
    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        await Task.Delay(_at, context.Time, windowClosed);
        var key = await context.CompromiseAsync(_victim);
        while (key is null) // the victim has made no key yet (a slow start), or the run has no identities at all
        {
            await Task.Delay(_interval, context.Time, windowClosed);
            key = await context.CompromiseAsync(_victim);
        }

        _compromisedAt = context.Time.GetUtcNow();
        _reading = await _recorded.ReadWithAsync(key); // what the key opens of the recorded past
        foreach (var opened in _reading.Decrypted)
        {
            Sniff(opened);
        }

        _ = Task.Delay(_revokeAfter, context.Time, windowClosed).ContinueWith(async _ => { await context.RevokeAsync(_victim); _revokedAt = context.Time.GetUtcNow(); },
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default); // not when the window closed first
        await (_sessionMode ? CreditOnSessionAsync(context, key, windowClosed) : ForgeSignedOrdersAsync(context, key, windowClosed));
    }

    private void Sniff(Envelope e)
    {
        if (e.Kind == EnvelopeKind.Order && PaymentsJson.TryDecode<OrderMessage>(e.Payload, out var order))
        {
            (_credentials["card"], _credentials["pin"]) = (order.CardNumber, order.Pin);
        }
    }

    private async Task ForgeSignedOrdersAsync(AdversaryContext context, ISigningKey key, CancellationToken windowClosed)
    {
        var index = Wire.PrincipalAddress.IndexOf(_victim);
        for (var n = 0; n < _count && !windowClosed.IsCancellationRequested; n++)
        {
            var order = new OrderMessage($"compromise-{n}", $"account/{index}", index == 0 ? "account/1" : "account/0", 7,
                _credentials.GetValueOrDefault("card", "4000000000000002"), _credentials.GetValueOrDefault("pin", "0000"), "");
            var forged = context.Forge(EnvelopeKind.Order, _victim, $"payments/{index % 2}", (ulong)n + 1, PaymentsJson.Encode(order)).SignedWith(key);
            var (attempt, _) = await context.InjectAsync(forged, $"order as {_victim} signed with its stolen key");
            attempt.Key = order.OrderId;
            await Task.Delay(_interval, context.Time, windowClosed);
        }
    }

    private async Task CreditOnSessionAsync(AdversaryContext context, ISigningKey key, CancellationToken windowClosed)
    {
        var client = SessionClient.As(context, key, _account);
        var from = _account == "account/0" ? "account/1" : "account/0";
        for (var n = 0; n < _count && !windowClosed.IsCancellationRequested; n++)
        {
            var credit = new LedgerRequest($"compromise-{n}", 7, from, $"customer/{Wire.PrincipalAddress.IndexOf(from)}");
            Envelope sealedCredit;
            try
            {
                sealedCredit = await client.SealAsync(context.Forge(EnvelopeKind.Credit, _victim, _account, 0, PaymentsJson.Encode(credit)));
            }
            catch (DefenseException ex)
            {
                _handshakeRefused = ex.Reason; // e.g. no session layer at the peer: nothing to hijack
                return;
            }
            finally
            {
                _handshakes = client.Handshakes;
            }

            _sessionAt ??= client.Session?.Created;
            var (attempt, _) = await context.InjectAsync(sealedCredit, $"credit as {_victim} on a session its stolen key opened");
            attempt.Key = credit.OrderId;
            await Task.Delay(_interval, context.Time, windowClosed);
        }
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        judgement.SucceedWhereOrderApplied(_sessionMode ? EntryDirection.Credit : EntryDirection.Debit);
        var d = judgement.Details;
        // Never handed a key (none: no identities): what it recorded in the whole window, readable only in clear.
        var reading = _reading ?? _recorded.Unopened();
        (d["recordedBefore"], d["readableBefore"], d["decryptedBefore"], d["unreadableBefore"]) = (reading.Recorded, reading.Readable, reading.Decrypted.Count, reading.Unread);
        (d["sessionsRecorded"], d["sessionsOpened"]) = (reading.Sessions, reading.SessionsOpened);
        var lastAccepted = judgement.Attempts.Where(a => a.Succeeded).Select(a => a.At).DefaultIfEmpty().Max();
        if (_revokedAt is { } revoked && judgement.Attempts.Count > 0)
        {
            d["revokedAtMs"] = (revoked - judgement.Attempts[0].At).TotalMilliseconds;
            d["impersonationAfterRevocationMs"] = Math.Max(0, (lastAccepted - revoked).TotalMilliseconds);
        }

        if (_sessionMode)
        {
            (d["handshakes"], d["handshakeRefused"]) = (_handshakes, _handshakeRefused is null ? 0 : 1);
            if (_sessionAt is { } opened && lastAccepted != default)
            {
                d["sessionAgeAtLastSuccessMs"] = (lastAccepted - opened).TotalMilliseconds; // how long the one session stayed usable
            }
        }
    }
}
