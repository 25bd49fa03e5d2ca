using System.Collections.Concurrent;
using Testbed.Attacks.Hooks;

namespace Testbed.Attacks.Api;

/// <summary>
/// What the adversary knows: what it observed (bounded) and what it derived. It holds no key it was not handed: the
/// runtime gives an attack nothing else.
/// </summary>
public sealed class Knowledge(int capacity = 50_000)
{
    private readonly ConcurrentQueue<ObservedEnvelope> _observed = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _facts = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>Envelopes observed, oldest first (at most the capacity).</summary>
    public IReadOnlyCollection<ObservedEnvelope> Observed => _observed;

    /// <summary>Derived facts (e.g. a recovered card number) with when each was first learned.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Facts => _facts;

    /// <summary>Remembers an observed envelope (dropped silently beyond the capacity).</summary>
    public void Remember(ObservedEnvelope envelope)
    {
        if (Interlocked.Increment(ref _count) <= capacity)
        {
            _observed.Enqueue(envelope);
        }
    }

    /// <summary>Learns a fact; true the first time.</summary>
    public bool Learn(string fact, DateTimeOffset at) => _facts.TryAdd(fact, at);
}
