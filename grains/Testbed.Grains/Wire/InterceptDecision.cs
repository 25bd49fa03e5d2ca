using Testbed.Envelopes;

namespace Testbed.Wire;

/// <summary>What an active interceptor does with a message.</summary>
public enum InterceptAction
{
    /// <summary>Let it through unchanged.</summary>
    Pass,
    /// <summary>Discard it; the sender sees <see cref="EnvelopeLostException"/>.</summary>
    Drop,
    /// <summary>Hold it for <see cref="InterceptDecision.Delay"/>, then continue.</summary>
    Delay,
    /// <summary>Carry <see cref="InterceptDecision.Frame"/> instead of the original.</summary>
    Replace,
    /// <summary>Deliver <see cref="InterceptDecision.Copies"/> extra copies of a request (replies: treated as pass).</summary>
    Duplicate,
}

/// <summary>An interceptor's verdict on one message.</summary>
public readonly record struct InterceptDecision(InterceptAction Action, TimeSpan Delay = default, byte[]? Frame = null, int Copies = 0)
{
    /// <summary>Let the message through.</summary>
    public static InterceptDecision Pass => default;

    /// <summary>Drop the message.</summary>
    public static InterceptDecision Drop => new(InterceptAction.Drop);

    /// <summary>Hold the message for <paramref name="delay"/>.</summary>
    public static InterceptDecision DelayBy(TimeSpan delay) =>
        delay < TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(delay)) : new(InterceptAction.Delay, delay);

    /// <summary>Carry <paramref name="envelope"/> (re-encoded) instead.</summary>
    public static InterceptDecision Replace(Envelope envelope) => new(InterceptAction.Replace, Frame: EnvelopeCodec.Encode(envelope));

    /// <summary>Carry raw bytes instead (they need not decode: that is how corruption is modelled).</summary>
    public static InterceptDecision ReplaceFrame(byte[] frame) => new(InterceptAction.Replace, Frame: frame ?? throw new ArgumentNullException(nameof(frame)));

    /// <summary>Deliver <paramref name="copies"/> extra copies of the request.</summary>
    public static InterceptDecision Duplicate(int copies) =>
        copies < 1 ? throw new ArgumentOutOfRangeException(nameof(copies)) : new(InterceptAction.Duplicate, Copies: copies);
}

/// <summary>A passive observer: gets every message the wire carries (before interceptors act), including injected ones.</summary>
public interface IWireTap
{
    /// <summary>Called synchronously on the sending path; keep it cheap and never throw.</summary>
    void Observe(WireMessage message);
}

/// <summary>An active element in the path: may pass, modify, delay, drop or duplicate each message.</summary>
public interface IWireInterceptor
{
    /// <summary>Decides what happens to <paramref name="message"/>. Interceptors run in attachment order.</summary>
    ValueTask<InterceptDecision> InterceptAsync(WireMessage message, CancellationToken cancellationToken);
}
