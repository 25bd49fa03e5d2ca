using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Attacks.Api;

/// <summary>The result of an injection: the decoded reply, or why there is none.</summary>
public sealed record InjectionResult(Envelope? Reply, string? Error)
{
    /// <summary>True when the recipient answered with a <see cref="EnvelopeKind.Rejected"/> envelope or an error came back.</summary>
    public bool Refused => Error is not null || Reply?.Kind == EnvelopeKind.Rejected;
}

/// <summary>
/// What the system under test offers a <see cref="AdversaryCapabilities.Compromise"/> attack: being handed a principal's
/// long-term key (as Tamarin's Reveal), and the defender's response to a detected compromise — revocation through the CA,
/// which verifiers learn at their next poll.
/// </summary>
public sealed record CompromiseHooks(
    Func<string, Task<Testbed.Defenses.Identity.ISigningKey?>> HandOver,
    Func<string, Task> Revoke);

/// <summary>
/// What an attack acts with: its options, knowledge, attempt log, a random source seeded from the scenario, the run's
/// clock, and injection (only with <see cref="AdversaryCapabilities.Inject"/>).
/// </summary>
public sealed class AdversaryContext
{
    private readonly WireHooks _hooks;
    private readonly AdversaryCapabilities _capabilities;

    private readonly CompromiseHooks? _compromise;

    internal AdversaryContext(WireHooks hooks, AttackInfo info, AttackOptions options, int seed, TimeProvider time, CompromiseHooks? compromise)
    {
        _compromise = compromise;
        _hooks = hooks;
        _capabilities = info.Capabilities;
        Options = options;
        Random = new Random(seed);
        Time = time;
    }

    /// <summary>When the attack's window opened (null until it does).</summary>
    public DateTimeOffset? OpenedAt { get; internal set; }

    /// <summary>When the attack's window closed (null while open or never opened).</summary>
    public DateTimeOffset? ClosedAt { get; internal set; }

    /// <summary>The attack's options.</summary>
    public AttackOptions Options { get; }

    /// <summary>What the adversary observed and derived.</summary>
    public Knowledge Knowledge { get; } = new();

    /// <summary>Everything it tried.</summary>
    public AttemptLog Attempts { get; } = new();

    /// <summary>Seeded from the scenario's seed and the attack's position: runs repeat.</summary>
    public Random Random { get; }

    /// <summary>The run's clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>
    /// <see cref="AdversaryCapabilities.Compromise"/>: the adversary is handed <paramref name="principal"/>'s current
    /// long-term signing key (it can sign with it; the private key itself never leaves the key object). Null when the
    /// principal has no key yet.
    /// </summary>
    public Task<Testbed.Defenses.Identity.ISigningKey?> CompromiseAsync(string principal) =>
        _capabilities.HasFlag(AdversaryCapabilities.Compromise) && _compromise is not null
            ? _compromise.HandOver(principal)
            : throw new InvalidOperationException("this attack did not declare the Compromise capability, or the run offers no identities");

    /// <summary>
    /// The defender's response, scheduled by the scenario: revoke <paramref name="principal"/>'s compromised key at the CA
    /// (and issue a new one). Verifiers learn it at their next revocation poll: the window is measurable.
    /// </summary>
    public Task RevokeAsync(string principal) =>
        _compromise?.Revoke(principal) ?? throw new InvalidOperationException("the run offers no identities");

    /// <summary>Bytes from <see cref="Random"/> (junk payloads, tags, nonces that repeat with the seed).</summary>
    public byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>An envelope claiming <paramref name="sender"/>, stamped with the run's clock; set key id and tag with <c>with</c>.</summary>
    public Envelope Forge(EnvelopeKind kind, string sender, string recipient, ulong sequence, ReadOnlyMemory<byte> payload) => new()
    {
        Kind = kind, Sender = sender, Recipient = recipient, Sequence = sequence, TimestampMs = Time.GetUtcNow().ToUnixTimeMilliseconds(), Payload = payload,
    };

    /// <summary>Records a passive attempt (an observation): never matched to a security event.</summary>
    public Attempt RecordObservation(string action, string claimedSender, string recipient, EnvelopeKind kind) =>
        Attempts.Record(Time.GetUtcNow(), action, claimedSender, recipient, kind, passive: true);

    /// <summary>Records an attempt made by modifying or replaying traffic (interception-based attacks).</summary>
    public Attempt Record(string action, string claimedSender, string recipient, EnvelopeKind kind) =>
        Attempts.Record(Time.GetUtcNow(), action, claimedSender, recipient, kind);

    /// <summary>Injects <paramref name="forged"/> (any claimed sender), recording the attempt and whether it was refused.</summary>
    public async Task<(Attempt Attempt, InjectionResult Result)> InjectAsync(Envelope forged, string action) =>
        await InjectFrameAsync(forged.Recipient, EnvelopeCodec.Encode(forged), action, forged.Sender, forged.Kind);

    /// <summary>
    /// Injects <paramref name="envelope"/> without recording an attempt and returns the raw reply: the handshakes a
    /// <see cref="SessionClient"/> runs on the attack's behalf (its attempts are what it then sends on the session).
    /// </summary>
    internal Task<byte[]> InjectHandshakeAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        if (!_capabilities.HasFlag(AdversaryCapabilities.Inject))
        {
            throw new InvalidOperationException("this attack did not declare the Inject capability");
        }

        return _hooks.InjectAsync(envelope.Recipient, EnvelopeCodec.Encode(envelope), cancellationToken);
    }

    /// <summary>Injects a raw frame (e.g. a recorded one, replayed byte for byte).</summary>
    public async Task<(Attempt Attempt, InjectionResult Result)> InjectFrameAsync(string recipient, byte[] frame, string action, string claimedSender, EnvelopeKind kind)
    {
        if (!_capabilities.HasFlag(AdversaryCapabilities.Inject))
        {
            throw new InvalidOperationException("this attack did not declare the Inject capability");
        }

        var attempt = Record(action, claimedSender, recipient, kind);
        InjectionResult result;
        try
        {
            var reply = await _hooks.InjectAsync(recipient, frame);
            result = EnvelopeCodec.TryDecodeOwned(reply, out var envelope, out var error) ? new(envelope, null) : new(null, $"undecodable reply: {error}");
        }
        catch (Exception ex)
        {
            result = new InjectionResult(null, $"{ex.GetType().Name}: {ex.Message}");
        }

        if (result.Refused)
        {
            attempt.Refusal = result.Error ?? "rejected";
        }

        return (attempt, result);
    }
}
