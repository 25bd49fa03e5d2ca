using System.Text;
using System.Text.RegularExpressions;
using Testbed.Attacks.Api;
using Testbed.Attacks.Hooks;
using Testbed.Envelopes;

namespace Testbed.Attacks.Builtin;

/// <summary>
/// Passive sniffing: scans every observed frame for card numbers, PINs and passwords in the payments protocol's own
/// field names (a Dolev-Yao adversary knows the protocol). Each order or balance query it sees is an attempt; it
/// succeeds when a canary the attacker extracted is a real customer's. Nothing on the wire can detect it.
/// </summary>
public sealed partial class Eavesdrop : Attack
{
    private int _maxAttempts;

    /// <inheritdoc />
    public override AttackInfo Info { get; } = new("eavesdrop", "CAPEC-157", "T1040", AdversaryCapabilities.Observe,
        "sniffs the wire for card numbers, PINs and passwords");

    /// <inheritdoc />
    public override void Configure(AttackOptions options) => _maxAttempts = options.Integer("maxAttempts", 1000, 1, 1_000_000);

    /// <inheritdoc />
    public override void OnObserved(ObservedEnvelope envelope, AdversaryContext context)
    {
        if (envelope is not { Direction: Wire.WireDirection.Request, Injected: false, Envelope.Kind: EnvelopeKind.Order or EnvelopeKind.BalanceQuery }
            || context.Attempts.All.Count >= _maxAttempts)
        {
            return;
        }

        var e = envelope.Envelope!;
        var attempt = context.RecordObservation($"sniff {e.Kind} {e.Sender} → {e.Recipient}", e.Sender, e.Recipient, e.Kind);
        var text = Encoding.ASCII.GetString(envelope.Frame);
        var found = new List<string>();
        foreach (Match m in Canary().Matches(text))
        {
            var fact = $"{m.Groups["field"].Value}:{m.Groups["value"].Value}";
            context.Knowledge.Learn(fact, context.Time.GetUtcNow());
            found.Add(fact);
        }

        attempt.Key = string.Join('|', found);
    }

    /// <inheritdoc />
    public override void Judge(AttackJudgement judgement)
    {
        var truth = judgement.Customers.SelectMany(c => new[] { $"cardNumber:{c.CardNumber}", $"pin:{c.Pin}", $"password:{c.Password}" }).ToHashSet(StringComparer.Ordinal);
        foreach (var attempt in judgement.Attempts)
        {
            attempt.Succeeded = attempt.Key is { Length: > 0 } key && key.Split('|').Any(truth.Contains);
        }

        var recovered = judgement.Knowledge.Facts.Where(f => truth.Contains(f.Key)).ToList();
        judgement.Details["canariesRecovered"] = recovered.Count;
        judgement.Details["cardsRecovered"] = recovered.Count(f => f.Key.StartsWith("cardNumber:", StringComparison.Ordinal));
        if (recovered.Count > 0 && judgement.Attempts.Count > 0)
        {
            judgement.Details["firstRecoveredMs"] = (recovered.Min(f => f.Value) - judgement.Attempts[0].At).TotalMilliseconds;
        }
    }

    [GeneratedRegex("\"(?<field>cardNumber|pin|password)\":\"(?<value>[^\"]{1,64})\"", RegexOptions.CultureInvariant)]
    private static partial Regex Canary();
}
