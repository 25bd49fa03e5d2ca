using Testbed.Attacks.Api;
using Testbed.Checking;
using Testbed.Defenses;
using Testbed.Envelopes;
using Testbed.Services.Payments;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// A valid identity used for what it is not entitled to (broken function-level authorization): is handed
/// <c>customer/&lt;victim&gt;</c>'s long-term key at <c>at</c>, runs a session handshake as that customer with
/// <c>account/&lt;account&gt;</c> (by default its own account, a peer it legitimately talks to for balance queries), signed
/// with the key, and sends credits on that session every <c>interval</c> — a kind only payment shards may send (where the
/// peer runs no session layer, as under <c>signed</c>, it signs each credit with the key instead). Every
/// layer that authenticates lets them through: the key is valid and never revoked. Succeeds per credit applied (money
/// from nowhere). Stopped by authorization (<c>authz</c>: <c>denied</c>, an event) or by the account's own check of who
/// may credit it (a refusal without an event). CAPEC-122, ATT&amp;CK T1078.
/// </summary>
public sealed class PrivilegeAbuse : Attack
{
    private string _victim = "customer/1", _account = "account/1";
    private TimeSpan _at, _interval;
    private int _count, _handshakes;
    private string? _handshakeRefused;

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("privilege-abuse", "CAPEC-122", "T1078",
        AdversaryCapabilities.Inject | AdversaryCapabilities.Compromise, "uses a customer's stolen key to send what only payment shards may: credits");

    /// <inheritdoc />
    public override void Configure(AttackOptions options)
    {
        var victim = options.Integer("victim", 1, 0, 1_000_000);
        _victim = $"customer/{victim}";
        _account = $"account/{options.Integer("account", victim, 0, 1_000_000)}";
        (_at, _interval) = (options.Duration("at", TimeSpan.FromMilliseconds(300)), options.Duration("interval", TimeSpan.FromMilliseconds(20)));
        _count = options.Integer("count", 60, 1, 100_000);
    }

    /// <inheritdoc />
    public override async Task ActAsync(AdversaryContext context, CancellationToken windowClosed)
    {
        await Task.Delay(_at, context.Time, windowClosed);
        var key = await context.CompromiseAsync(_victim);
        while (key is null) // the customer has made no key yet (a slow start), or the run has no identities at all
        {
            await Task.Delay(_interval, context.Time, windowClosed);
            key = await context.CompromiseAsync(_victim);
        }

        var client = SessionClient.As(context, key, _account);
        var from = _account == "account/0" ? "account/1" : "account/0";
        for (var n = 0; n < _count && !windowClosed.IsCancellationRequested; n++)
        {
            var credit = new LedgerRequest($"abuse-{n}", 7, from, _victim);
            var forged = context.Forge(EnvelopeKind.Credit, _victim, _account, (ulong)n + 1, PaymentsJson.Encode(credit));
            Envelope sealedCredit;
            if (_handshakeRefused is null)
            {
                try
                {
                    sealedCredit = await client.SealAsync(forged with { Sequence = 0 });
                }
                catch (DefenseException ex)
                {
                    _handshakeRefused = ex.Reason; // no session layer at the peer (signed): sign each credit with the key instead
                    sealedCredit = forged.SignedWith(key);
                }
                finally
                {
                    _handshakes = client.Handshakes;
                }
            }
            else
            {
                sealedCredit = forged.SignedWith(key);
            }

            var how = _handshakeRefused is null ? "on a session its stolen key opened" : "signed with its stolen key";
            var (attempt, _) = await context.InjectAsync(sealedCredit, $"credit as {_victim} {how}");
            attempt.Key = credit.OrderId;
            await Task.Delay(_interval, context.Time, windowClosed);
        }
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        ArgumentNullException.ThrowIfNull(judgement);
        judgement.SucceedWhereOrderApplied(EntryDirection.Credit);
        (judgement.Details["handshakes"], judgement.Details["signedInstead"]) = (_handshakes, _handshakeRefused is null ? 0 : 1);
    }
}
