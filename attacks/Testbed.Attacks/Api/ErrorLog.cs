namespace Testbed.Attacks.Api;

/// <summary>
/// The errors an attack's or a fault's code raised, for its result: the first 20 distinct ones in the order they first
/// happened, repeats counted (a bug in a hook repeats on every message). Thread-safe.
/// </summary>
internal sealed class ErrorLog
{
    private const int Kept = 20;
    private readonly Lock _gate = new();
    private readonly List<string> _errors = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>How many distinct errors are kept.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _errors.Count;
            }
        }
    }

    /// <summary>Records <paramref name="ex"/>, raised at <paramref name="where"/> (act, observe, intercept, judge).</summary>
    public void Record(string where, Exception ex) => Record($"{where}: {ex.GetType().Name}: {ex.Message}");

    /// <summary>Records an error as written.</summary>
    public void Record(string error)
    {
        lock (_gate)
        {
            if (_counts.TryGetValue(error, out var count))
            {
                _counts[error] = count + 1;
            }
            else if (_errors.Count < Kept)
            {
                _errors.Add(error);
                _counts[error] = 1;
            }
        }
    }

    /// <summary>The distinct errors, each once.</summary>
    public string[] Distinct()
    {
        lock (_gate)
        {
            return _errors.ToArray();
        }
    }

    /// <summary>The distinct errors, a repeated one with its count: "observe: … (×812)".</summary>
    public string[] WithCounts()
    {
        lock (_gate)
        {
            return _errors.Select(e => _counts[e] > 1 ? $"{e} (×{_counts[e]})" : e).ToArray();
        }
    }
}
