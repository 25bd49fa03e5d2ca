namespace Testbed.Fuzz.Engine;

/// <summary>
/// A stateless target's corpus: its seeds, then inputs it kept, up to <c>capacity</c>; once full, kept inputs replace
/// earlier kept ones in turn (the seeds always stay).
/// </summary>
public sealed class GrowingCorpus
{
    private readonly List<byte[]> _items;
    private readonly int _seeds;
    private readonly int _capacity;
    private long _kept;

    /// <summary>A corpus of <paramref name="seeds"/> that grows to at most <paramref name="capacity"/> inputs.</summary>
    public GrowingCorpus(IEnumerable<byte[]> seeds, int capacity)
    {
        _items = [.. seeds];
        _seeds = _items.Count;
        _capacity = capacity;
    }

    /// <summary>Seeds first, then kept inputs.</summary>
    public IReadOnlyList<byte[]> Items => _items;

    /// <summary>Keeps <paramref name="input"/> as a seed for later mutations.</summary>
    public void Keep(byte[] input)
    {
        if (_items.Count < _capacity)
        {
            _items.Add(input);
        }
        else if (_capacity > _seeds)
        {
            _items[_seeds + (int)(_kept % (_capacity - _seeds))] = input;
        }

        _kept++;
    }
}
