using Testbed.Attacks.Faults;
using Testbed.Envelopes;
using Testbed.Time;
using Testbed.Wire;

namespace Testbed.Tests.Faults;

/// <summary>
/// A cluster stand-in for fault tests: records what node faults do (and when, on <see cref="BaseClock"/>); silo of each
/// principal from a table. Each silo's service clock follows <see cref="BaseClock"/>.
/// </summary>
internal sealed class FakeNodes(params string[] silos) : INodeControl
{
    private readonly Lock _gate = new();
    private readonly List<string> _silos = [.. silos];
    private readonly Dictionary<string, ServiceClock> _clocks = new(StringComparer.Ordinal);

    /// <summary>The clock the silos' service clocks follow and the log is stamped with (the system clock unless set).</summary>
    public TimeProvider BaseClock { get; init; } = TimeProvider.System;

    public List<string> Log { get; } = [];

    /// <summary>Each entry of <see cref="Log"/> with the <see cref="BaseClock"/> reading when it happened.</summary>
    public List<(DateTimeOffset At, string What)> Timeline { get; } = [];

    public Dictionary<string, string> Hosts { get; } = new(StringComparer.Ordinal);

    public int SiloCount => _silos.Count;

    public string SiloName(int position) => _silos[position];

    public string? SiloOf(string principal) => Hosts.GetValueOrDefault(principal);

    public Task KillAsync(int position) => Remove("kill", position);

    public Task StopAsync(int position) => Remove("stop", position);

    public Task RestartAsync(int position)
    {
        Add($"restart {_silos[position]}");
        return Task.CompletedTask;
    }

    public Task StartSiloAsync()
    {
        var name = $"S{_silos.Count + Log.Count}";
        _silos.Add(name);
        Add("start");
        return Task.CompletedTask;
    }

    public IDisposable Pause(int position)
    {
        var name = _silos[position];
        Add($"pause {name}");
        return new Undo(() => Add($"resume {name}"));
    }

    public ServiceClock Clock(int position)
    {
        lock (_gate)
        {
            var name = _silos[position];
            return _clocks.TryGetValue(name, out var clock) ? clock : _clocks[name] = new ServiceClock(BaseClock);
        }
    }

    private Task Remove(string what, int position)
    {
        Add($"{what} {_silos[position]}");
        _silos.RemoveAt(position);
        return Task.CompletedTask;
    }

    private void Add(string what)
    {
        Log.Add(what);
        Timeline.Add((BaseClock.GetUtcNow(), what));
    }

    private sealed class Undo(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

/// <summary>Runs a fault against hand-made wire messages.</summary>
internal sealed class FaultHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _window = new();

    public FaultHarness(string kind, Dictionary<string, string> options, int seed = 1, FakeNodes? nodes = null)
        : this(FaultCatalog.Create(kind, options), seed, nodes)
    {
    }

    /// <summary>A fault made by the test (configured already), e.g. one whose code is broken on purpose.</summary>
    public FaultHarness(Fault fault, int seed = 1, FakeNodes? nodes = null)
    {
        Fault = fault;
        Nodes = nodes ?? new FakeNodes("S0", "S1", "S2");
        Context = new FaultContext(new Random(seed), Clock, new WireHooks(), Nodes);
        Running = Fault.RunAsync(Context, _window.Token);
    }

    public Fault Fault { get; }

    /// <summary>The fault's clock: fake, it moves only when a test advances it.</summary>
    public SteppedClock Clock { get; } = new();

    public FakeNodes Nodes { get; }

    public FaultContext Context { get; }

    public Task Running { get; }

    public IWireInterceptor Interceptor => (IWireInterceptor)Fault;

    public static WireMessage Request(string sender, string recipient, string silo = "S0", ulong sequence = 1)
    {
        var envelope = new Envelope { Kind = EnvelopeKind.Order, Sender = sender, Recipient = recipient, Sequence = sequence, TimestampMs = 1, Payload = new byte[] { 1, 2, 3, 4 } };
        return new WireMessage(WireDirection.Request, EnvelopeCodec.Encode(envelope), envelope, recipient, silo, injected: false, 0);
    }

    public static WireMessage Reply(string sender, string recipient, string silo = "S0")
    {
        var envelope = new Envelope { Kind = EnvelopeKind.OrderReply, Sender = sender, Recipient = recipient, Sequence = 1, TimestampMs = 1, Payload = new byte[] { 5 } };
        return new WireMessage(WireDirection.Reply, EnvelopeCodec.Encode(envelope), envelope, recipient, silo, injected: false, 0);
    }

    public InterceptDecision Decide(WireMessage message) => Interceptor.InterceptAsync(message, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public async Task CloseAsync()
    {
        await _window.CancelAsync();
        await Running;
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _window.Dispose();
    }
}
