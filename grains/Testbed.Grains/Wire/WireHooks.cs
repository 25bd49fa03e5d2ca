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

/// <summary>Thread-safe counters of wire activity in one run.</summary>
public sealed class WireStats
{
    private long _requests, _replies, _bytes, _dropped, _delayed, _replaced, _duplicated, _injected;

    /// <summary>Requests put on the wire by services.</summary>
    public long Requests => Interlocked.Read(ref _requests);
    /// <summary>Replies carried back.</summary>
    public long Replies => Interlocked.Read(ref _replies);
    /// <summary>Encoded bytes carried (requests and replies).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);
    /// <summary>Messages dropped by interceptors.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
    /// <summary>Messages held back by interceptors.</summary>
    public long Delayed => Interlocked.Read(ref _delayed);
    /// <summary>Messages replaced (modified) by interceptors.</summary>
    public long Replaced => Interlocked.Read(ref _replaced);
    /// <summary>Extra copies delivered by interceptors.</summary>
    public long Duplicated => Interlocked.Read(ref _duplicated);
    /// <summary>Frames injected.</summary>
    public long Injected => Interlocked.Read(ref _injected);

    internal void Request(int bytes) { Interlocked.Increment(ref _requests); Interlocked.Add(ref _bytes, bytes); }
    internal void Reply(int bytes) { Interlocked.Increment(ref _replies); Interlocked.Add(ref _bytes, bytes); }
    internal void Drop() => Interlocked.Increment(ref _dropped);
    internal void Delay() => Interlocked.Increment(ref _delayed);
    internal void Replace() => Interlocked.Increment(ref _replaced);
    internal void Duplicate(int copies) => Interlocked.Add(ref _duplicated, copies);
    internal void Inject(int bytes) { Interlocked.Increment(ref _injected); Interlocked.Add(ref _bytes, bytes); }
}
