namespace Testbed.Wire;

/// <summary>
/// The attachment points of one run's wire: taps, interceptors and injection. One instance is shared by every silo's
/// <see cref="Wire"/> in an embedded cluster, so a hook attached here sees traffic cluster-wide. Attach and detach are
/// thread-safe (copy-on-write); with nothing attached the wire takes a fast path that costs one field read.
/// </summary>
public sealed class WireHooks
{
    private readonly Lock _gate = new();
    private IWireTap[] _taps = [];
    private IWireInterceptor[] _interceptors = [];
    private Wire[] _wires = [];
    private int _injectCursor;

    /// <summary>Counters of what the wire did in this run.</summary>
    public WireStats Stats { get; } = new();

    /// <summary>True when no tap or interceptor is attached.</summary>
    public bool IsEmpty { get; private set; } = true;

    internal IWireTap[] Taps => Volatile.Read(ref _taps);

    internal IWireInterceptor[] Interceptors => Volatile.Read(ref _interceptors);

    /// <summary>Attaches a passive tap; dispose the result to detach it.</summary>
    public IDisposable Attach(IWireTap tap)
    {
        ArgumentNullException.ThrowIfNull(tap);
        Update(() => _taps = [.. _taps, tap]);
        return new Detacher(() => Update(() => _taps = _taps.Where(t => !ReferenceEquals(t, tap)).ToArray()));
    }

    /// <summary>Attaches an active interceptor after those already attached; dispose the result to detach it.</summary>
    public IDisposable Attach(IWireInterceptor interceptor)
    {
        ArgumentNullException.ThrowIfNull(interceptor);
        Update(() => _interceptors = [.. _interceptors, interceptor]);
        return new Detacher(() => Update(() => _interceptors = _interceptors.Where(i => !ReferenceEquals(i, interceptor)).ToArray()));
    }

    /// <summary>
    /// Puts a raw frame on the wire towards <paramref name="recipient"/>, claiming whatever sender the frame says.
    /// Taps see it (marked injected); interceptors do not. Returns the recipient's reply frame.
    /// </summary>
    public Task<byte[]> InjectAsync(string recipient, byte[] frame, CancellationToken cancellationToken = default)
    {
        var wires = Volatile.Read(ref _wires);
        if (wires.Length == 0)
        {
            throw new InvalidOperationException("no silo is running a wire; start the cluster before injecting");
        }

        var wire = wires[(int)((uint)Interlocked.Increment(ref _injectCursor) % (uint)wires.Length)];
        return wire.InjectAsync(recipient, frame, cancellationToken);
    }

    internal void Register(Wire wire) => Update(() => _wires = [.. _wires, wire]);

    internal void Unregister(Wire wire) => Update(() => _wires = _wires.Where(w => !ReferenceEquals(w, wire)).ToArray());

    private void Update(Action change)
    {
        lock (_gate)
        {
            change();
            IsEmpty = _taps.Length == 0 && _interceptors.Length == 0;
        }
    }

    private sealed class Detacher(Action detach) : IDisposable
    {
        private Action? _detach = detach;

        public void Dispose() => Interlocked.Exchange(ref _detach, null)?.Invoke();
    }
}

/// <summary>
/// Thread-safe counters of wire activity in one run. Striped per processor so that counting on the hot path does not
/// make both cores fight over one cache line.
/// </summary>
public sealed class WireStats
{
    private readonly StripedCounter _requests = new(), _replies = new(), _bytes = new(), _dropped = new(), _delayed = new(),
        _replaced = new(), _duplicated = new(), _injected = new();

    /// <summary>Requests put on the wire by services.</summary>
    public long Requests => _requests.Sum;
    /// <summary>Replies carried back.</summary>
    public long Replies => _replies.Sum;
    /// <summary>Encoded bytes carried (requests and replies).</summary>
    public long Bytes => _bytes.Sum;
    /// <summary>Messages dropped by interceptors.</summary>
    public long Dropped => _dropped.Sum;
    /// <summary>Messages held back by interceptors.</summary>
    public long Delayed => _delayed.Sum;
    /// <summary>Messages replaced (modified) by interceptors.</summary>
    public long Replaced => _replaced.Sum;
    /// <summary>Extra copies delivered by interceptors.</summary>
    public long Duplicated => _duplicated.Sum;
    /// <summary>Frames injected.</summary>
    public long Injected => _injected.Sum;

    internal void Request(int bytes) { _requests.Add(1); _bytes.Add(bytes); }
    internal void Reply(int bytes) { _replies.Add(1); _bytes.Add(bytes); }
    internal void Drop() => _dropped.Add(1);
    internal void Delay() => _delayed.Add(1);
    internal void Replace() => _replaced.Add(1);
    internal void Duplicate(int copies) => _duplicated.Add(copies);
    internal void Inject(int bytes) { _injected.Add(1); _bytes.Add(bytes); }
}

/// <summary>A counter striped over processors (each cell on its own cache line); reads sum the cells.</summary>
internal sealed class StripedCounter
{
    private readonly Cell[] _cells = new Cell[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount)];

    public long Sum
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < _cells.Length; i++)
            {
                sum += Volatile.Read(ref _cells[i].Value);
            }

            return sum;
        }
    }

    public void Add(long value) => Interlocked.Add(ref _cells[Thread.GetCurrentProcessorId() & (_cells.Length - 1)].Value, value);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 128)]
    private struct Cell
    {
        [System.Runtime.InteropServices.FieldOffset(64)]
        public long Value;
    }
}
