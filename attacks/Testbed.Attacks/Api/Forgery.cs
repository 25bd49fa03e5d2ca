using System.Globalization;
using System.Security.Cryptography;
using Testbed.Checking;
using Testbed.Defenses;
using Testbed.Defenses.Identity;
using Testbed.Envelopes;

namespace Testbed.Attacks.Api;

/// <summary>Helpers for forging envelopes and for judging forgeries by their effect on the accounts.</summary>
public static class Forgery
{
    /// <summary>
    /// <paramref name="envelope"/> signed with <paramref name="key"/> (e.g. one handed over by
    /// <see cref="AdversaryContext.CompromiseAsync"/>) as the sign layer signs: a fresh random nonce (<c>n=</c>) and the
    /// key's version (<c>k=</c>) in the key id, and the tag a signature over the header.
    /// </summary>
    public static Envelope SignedWith(this Envelope envelope, ISigningKey key)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(key);
        var keyId = KeyIdSegments.With(KeyIdSegments.With(envelope.KeyId, "n", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))),
            "k", key.Version.ToString(CultureInfo.InvariantCulture));
        var keyed = envelope with { KeyId = keyId };
        var signature = new byte[key.SignatureSize];
        key.Sign(EnvelopeCodec.EncodeHeader(keyed), signature);
        return keyed with { Tag = signature };
    }

    /// <summary>The order ids of every entry of <paramref name="direction"/> the accounts applied (from the final state).</summary>
    public static HashSet<string> AppliedOrderIds(this AttackJudgement judgement, EntryDirection direction = EntryDirection.Debit)
    {
        ArgumentNullException.ThrowIfNull(judgement);
        return judgement.FinalState.SelectMany(a => a.Applied).Where(e => e.Direction == direction).Select(e => e.OrderId)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Marks each attempt succeeded exactly when its <see cref="Attempt.Key"/> is an order id the accounts applied an entry
    /// of <paramref name="direction"/> for — a debit by default (attempts without a key fail); returns how many succeeded.
    /// The judge of order forgeries (and, with <see cref="EntryDirection.Credit"/>, of forged credits).
    /// </summary>
    public static int SucceedWhereOrderApplied(this AttackJudgement judgement, EntryDirection direction = EntryDirection.Debit)
    {
        var applied = judgement.AppliedOrderIds(direction);
        foreach (var attempt in judgement.Attempts)
        {
            attempt.Succeeded = attempt.Key is not null && applied.Contains(attempt.Key);
        }

        return judgement.Attempts.Count(a => a.Succeeded);
    }
}
