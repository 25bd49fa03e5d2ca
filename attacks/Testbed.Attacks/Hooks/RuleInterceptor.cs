using Testbed.Wire;

namespace Testbed.Attacks.Hooks;

/// <summary>
/// An active interceptor defined by a rule: a function from the message to a decision. Counts how often it did anything
/// other than pass. Rules run on the sending path: keep them quick and free of blocking calls.
/// </summary>
public sealed class RuleInterceptor(Func<WireMessage, InterceptDecision> rule) : IWireInterceptor
{
    private long _matched;

    /// <summary>Messages the rule did not simply pass.</summary>
    public long Matched => Interlocked.Read(ref _matched);

    /// <inheritdoc />
    public ValueTask<InterceptDecision> InterceptAsync(WireMessage message, CancellationToken cancellationToken)
    {
        var decision = rule(message);
        if (decision.Action != InterceptAction.Pass)
        {
            Interlocked.Increment(ref _matched);
        }

        return ValueTask.FromResult(decision);
    }
}
