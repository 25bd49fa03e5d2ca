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

    private IWireTap[] _clusterTaps = [];
    private IWireInterceptor[] _clusterInterceptors = [];

    internal IWireTap[] Taps => Volatile.Read(ref _taps);

    /// <summary>
    /// Whether hooks attached <c>clusterWide</c> (adversaries) are attached: where silos are processes, every other silo's
    /// wire relays its traffic to them (taps: observations; interceptors: each message, for a decision).
    /// </summary>
    public (bool Taps, bool Interceptors) ClusterWide => (Volatile.Read(ref _clusterTaps).Length > 0, Volatile.Read(ref _clusterInterceptors).Length > 0);

    /// <summary>
    /// Attaches a passive tap; with <paramref name="clusterWide"/> it also sees what other silo processes relay here
    /// (<see cref="ObserveRelayed"/>). Dispose the result to detach it.
    /// </summary>
    public IDisposable Attach(IWireTap tap, bool clusterWide)
    {
        var local = Attach(tap);
        if (!clusterWide)
        {
            return local;
        }

        Update(() => _clusterTaps = [.. _clusterTaps, tap]);
        return new Detacher(() =>
        {
            local.Dispose();
            Update(() => _clusterTaps = _clusterTaps.Where(t => !ReferenceEquals(t, tap)).ToArray());
        });
    }

    /// <summary>
    /// Attaches an interceptor; with <paramref name="clusterWide"/> it also decides on what other silo processes relay
    /// here (<see cref="InterceptRelayedAsync"/>). Dispose the result to detach it.
    /// </summary>
    public IDisposable Attach(IWireInterceptor interceptor, bool clusterWide)
    {
        var local = Attach(interceptor);
        if (!clusterWide)
        {
            return local;
        }

        Update(() => _clusterInterceptors = [.. _clusterInterceptors, interceptor]);
        return new Detacher(() =>
        {
            local.Dispose();
            Update(() => _clusterInterceptors = _clusterInterceptors.Where(i => !ReferenceEquals(i, interceptor)).ToArray());
        });
    }

    /// <summary>Shows a message another silo's wire carried to the cluster-wide taps.</summary>
    public void ObserveRelayed(WireMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var tap in Volatile.Read(ref _clusterTaps))
        {
            tap.Observe(message);
        }
    }

    /// <summary>
    /// Runs a message another silo's wire carries through the cluster-wide interceptors, in attachment order, as the wire
    /// runs its own: a replacement is what the next interceptor sees, a drop ends the chain, delays add up (held here:
    /// counted in this wire's <see cref="Stats"/>), copies add up. Returns what the relaying wire is to do.
    /// </summary>
    public async ValueTask<RelayedDecision> InterceptRelayedAsync(WireMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var original = message.Frame;
        // The relaying wire counts the drop, replacement and copies when it applies them; the delay is held, and counted, here.
        var (dropped, copies) = await InterceptChainAsync(Volatile.Read(ref _clusterInterceptors), message, Stats, countApplied: false, TimeProvider.System, cancellationToken);
        return new RelayedDecision(dropped, dropped || ReferenceEquals(message.Frame, original) ? null : message.Frame, copies);
    }

    /// <summary>
    /// Runs <paramref name="chain"/> on <paramref name="message"/> in order: a replacement is what the next interceptor sees,
    /// a drop ends the chain, delays are held, copies of a request add up. Delays are counted in <paramref name="stats"/>; so
    /// are drops, replacements and copies when <paramref name="countApplied"/>.
    /// </summary>
    internal static async ValueTask<(bool Dropped, int Copies)> InterceptChainAsync(IWireInterceptor[] chain, WireMessage message, WireStats stats,
        bool countApplied, TimeProvider time, CancellationToken cancellationToken)
    {
        var copies = 0;
        foreach (var interceptor in chain)
        {
            var decision = await interceptor.InterceptAsync(message, cancellationToken);
            switch (decision.Action)
            {
                case InterceptAction.Pass:
                    break;
                case InterceptAction.Drop:
                    if (countApplied)
                    {
                        stats.Drop();
                    }

                    return (true, copies);
                case InterceptAction.Delay:
                    stats.Delay();
                    await Task.Delay(decision.Delay, time, cancellationToken);
                    break;
                case InterceptAction.Replace:
                    if (countApplied)
                    {
                        stats.Replace();
                    }

                    message.Frame = decision.Frame!;
                    message.Envelope = Envelopes.EnvelopeCodec.TryDecode(message.Frame, out var replaced, out _) ? replaced : null;
                    break;
                case InterceptAction.Duplicate when message.Direction == WireDirection.Request:
                    if (countApplied)
                    {
                        stats.Duplicate(decision.Copies);
                    }

                    copies += decision.Copies;
                    break;
                case InterceptAction.Duplicate:
                    break;
                default:
                    throw new InvalidOperationException($"unknown intercept action {decision.Action}");
            }
        }

        return (false, copies);
    }

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

/// <summary>What cluster-wide interceptors decided on a relayed message: dropped, or the frame to carry instead (null: unchanged) and extra copies.</summary>
[GenerateSerializer, Immutable]
public sealed record RelayedDecision([property: Id(0)] bool Dropped, [property: Id(1)] byte[]? Frame, [property: Id(2)] int Copies);

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
