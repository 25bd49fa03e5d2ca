namespace Testbed.Checking;

/// <summary>Collects the violations of one invariant, keeping at most a given number of distinct messages.</summary>
internal sealed class Counterexamples(string invariant, int max)
{
    private readonly List<string> _kept = [];

    /// <summary>Number of violations found, including those not kept.</summary>
    public int Total { get; private set; }

    public void Add(string counterexample)
    {
        Total++;
        if (_kept.Count < max && !_kept.Contains(counterexample))
        {
            _kept.Add(counterexample);
        }
    }

    public InvariantResult ToResult() => new(invariant, Invariants.Describe(invariant), Total == 0, _kept.ToArray());
}
