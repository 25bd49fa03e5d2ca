using Testbed.Envelopes;
using Testbed.Wire;

namespace Testbed.Defenses.Authz;

/// <summary>
/// Deny-by-default authorization (stage Authorization, open only, after authentication and replay checks): a request
/// passes only when the <see cref="AuthzPolicy"/> allows its sender to send its kind to the receiving principal (the
/// local endpoint, not the envelope's claimed recipient). Replies pass (the requester chose that peer), and so do
/// handshakes (the session layer owns them). The sender is the envelope's, as verified by earlier layers; without an
/// authenticating layer it is only claimed.
/// </summary>
public sealed class AuthzLayer(AuthzOptions? options, DefenseEnvironment environment) : IDefenseLayer
{
    /// <summary>The rejection reason.</summary>
    public const string Denied = "denied";

    private readonly AuthzPolicy _policy = (options ?? new AuthzOptions()).Policy;

    /// <inheritdoc />
    public string Name => "authz";

    /// <inheritdoc />
    public DefenseStage Stage => DefenseStage.Authorization;

    /// <summary>The policy in force.</summary>
    public AuthzPolicy Policy => _policy;

    /// <summary>The silo's environment.</summary>
    public DefenseEnvironment Environment { get; } = environment ?? throw new ArgumentNullException(nameof(environment));

    /// <inheritdoc />
    public ValueTask<Envelope> SealAsync(Envelope envelope, MessageContext context) => ValueTask.FromResult(envelope);

    /// <inheritdoc />
    public ValueTask<OpenResult> OpenAsync(Envelope envelope, MessageContext context)
    {
        var exempt = context.Direction != WireDirection.Request || envelope.Kind is EnvelopeKind.Handshake or EnvelopeKind.HandshakeReply;
        return ValueTask.FromResult(exempt || _policy.Allows(envelope.Sender, context.Endpoint.Principal, envelope.Kind)
            ? OpenResult.Continue(envelope)
            : OpenResult.Reject(Denied));
    }
}
