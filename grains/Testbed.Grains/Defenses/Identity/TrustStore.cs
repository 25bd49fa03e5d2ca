using System.Collections.Concurrent;

namespace Testbed.Defenses.Identity;

/// <summary>
/// One silo's view of whom to trust, shared by every grain on the silo (thread-safe). On first use it fetches the CA's
/// public key and the whole revocation list, then starts polling the CA for new revocations every
/// <see cref="IdentityOptions.RevocationPollInterval"/> (on the injected clock). Certificates are fetched on demand, trusted
/// only when the CA's signature over them verifies, and their parsed verifiers cached.
/// A revocation (or rotation) made at the CA takes effect here at the next poll, or when <see cref="RefreshAsync"/> is
/// called: until then the old key still verifies. That window is the revocation propagation delay, at most one poll
/// interval plus the poll's round trip.
/// A version above the newest one the CA has issued to a principal (forged frames name any, <c>k=999</c>) is asked for at
/// most once per poll interval per principal: after such a miss, versions above the newest stay unknown without a CA call
/// until the interval has passed (<see cref="KeyVersionFloor"/>); a real new version is found at the first lookup after it.
/// </summary>
public sealed class TrustStore : ITrustStore, ITrustLookup, IRevocationView, IDisposable
{
    /// <summary>Most negative answers (unknown / invalid) kept between polls; beyond it they are not cached.</summary>
    private const int MaxCachedMisses = 10_000;

    /// <summary>Most principals whose key versions are tracked; beyond it a lookup above the newest version is not bounded.</summary>
    private const int MaxFloors = 100_000;

    private readonly ICertificateAuthority _ca;
    private readonly TimeSpan _pollInterval;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Principal, int Version), Task<TrustLookup>> _lookups = new();
    private readonly ConcurrentDictionary<(string Principal, int Version), string> _revoked = new();
    private readonly ConcurrentDictionary<string, KeyVersionFloor> _floors = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly Lock _startGate = new();
    private Task<CertificateValidator>? _ready;
    private CertificateValidator? _validator;
    private ITimer? _timer;
    private long _epoch;
    private long _certificateLookups;
    private long _suppressed;
    private int _misses;
    private bool _disposed;

    /// <summary>Creates the store; nothing is fetched until first use.</summary>
    public TrustStore(ICertificateAuthority ca, IdentityOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _ca = ca;
        _pollInterval = options.RevocationPollInterval;
        _time = time;
    }

    /// <summary>The CA revocation epoch this store has caught up to (set after the revocations it covers are recorded).</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <inheritdoc />
    public bool IsRevoked(string principal, int version) => principal is not null && _revoked.ContainsKey((principal, version));

    /// <summary>Certificates asked of the CA so far (each one a grain call to the cluster's single CA).</summary>
    public long CertificateLookups => Interlocked.Read(ref _certificateLookups);

    /// <summary>Lookups answered unknown without asking the CA: versions above a principal's newest, within a quiet period after a miss.</summary>
    public long SuppressedLookups => Interlocked.Read(ref _suppressed);

    /// <summary>When the revocation list was last fetched successfully (null before the first time).</summary>
    public DateTimeOffset? LastRefresh { get; private set; }

    /// <summary>The last poll failure (e.g. the CA was unreachable), cleared by the next successful poll.</summary>
    public Exception? LastPollError { get; private set; }

    /// <inheritdoc />
    public ValueTask<ISignatureVerifier?> GetVerifierAsync(string principal, int version)
    {
        var lookup = LookupAsync(principal, version);
        return lookup.IsCompletedSuccessfully ? new(lookup.Result.Verifier) : Await(lookup);

        static async ValueTask<ISignatureVerifier?> Await(ValueTask<TrustLookup> pending) => (await pending).Verifier;
    }

    /// <inheritdoc />
    public ValueTask<TrustLookup> LookupAsync(string principal, int version)
    {
        if (principal is null || version <= 0)
        {
            return new(TrustLookup.Untrusted(TrustStatus.Unknown));
        }

        var key = (principal, version);
        if (_validator is not null)
        {
            if (_revoked.TryGetValue(key, out var reason))
            {
                return new(Revoked(reason));
            }

            if (_lookups.TryGetValue(key, out var cached) && cached.IsCompletedSuccessfully)
            {
                return new(cached.Result);
            }

            if (_floors.TryGetValue(principal, out var floor) && floor.IsQuiet(version, NowMs()))
            {
                Interlocked.Increment(ref _suppressed);
                return new(TrustLookup.Untrusted(TrustStatus.Unknown));
            }
        }

        return new(LookupSlowAsync(key));
    }

    /// <summary>
    /// Fetches the revocations made since the last poll now (and, on first use, the CA key and the whole list). Waits for
    /// a poll already under way. Throws when the CA cannot be reached.
    /// </summary>
    public async Task RefreshAsync()
    {
        await EnsureReadyAsync().ConfigureAwait(false);
        await _refreshGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await PollCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>Stops polling.</summary>
    public void Dispose()
    {
        lock (_startGate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private static TrustLookup Revoked(string reason) =>
        TrustLookup.Untrusted(reason == RevocationReasons.Rotated ? TrustStatus.RotatedOut : TrustStatus.Revoked);

    private async Task<TrustLookup> LookupSlowAsync((string Principal, int Version) key)
    {
        var validator = await EnsureReadyAsync().ConfigureAwait(false);
        TrustLookup result;
        while (true)
        {
            var mine = new TaskCompletionSource<TrustLookup>(TaskCreationOptions.RunContinuationsAsynchronously);
            var current = _lookups.GetOrAdd(key, mine.Task);
            if (current != mine.Task)
            {
                if (current.IsFaulted || current.IsCanceled)
                {
                    _lookups.TryRemove(new KeyValuePair<(string, int), Task<TrustLookup>>(key, current));
                    continue;
                }

                result = await current.ConfigureAwait(false);
                break;
            }

            var floor = FloorOf(key.Principal);
            var permit = await floor.PermitAsync(key.Version, NowMs).ConfigureAwait(false);
            if (permit == VersionPermit.Refuse)
            {
                // Above the newest version, within the quiet period after a miss: unknown, not cached (it ends).
                Interlocked.Increment(ref _suppressed);
                _lookups.TryRemove(new KeyValuePair<(string, int), Task<TrustLookup>>(key, mine.Task));
                result = TrustLookup.Untrusted(TrustStatus.Unknown);
                mine.SetResult(result);
                return result;
            }

            try
            {
                Interlocked.Increment(ref _certificateLookups);
                var answer = await _ca.FindCertificate(key.Principal, key.Version).ConfigureAwait(false);
                floor.Answered(permit, answer.CurrentVersion, answer.Certificate is not null, NowMs(), QuietMs);
                result = Judge(validator, key, answer.Certificate);
            }
            catch (Exception ex)
            {
                // Not cached: the next lookup asks the CA again.
                floor.Answered(permit, current: null, found: false, NowMs(), QuietMs);
                _lookups.TryRemove(new KeyValuePair<(string, int), Task<TrustLookup>>(key, mine.Task));
                mine.SetException(ex);
                throw;
            }

            if (result.Status != TrustStatus.Trusted && Interlocked.Increment(ref _misses) > MaxCachedMisses)
            {
                _lookups.TryRemove(new KeyValuePair<(string, int), Task<TrustLookup>>(key, mine.Task));
            }

            mine.SetResult(result);
            break;
        }

        // A revocation may have been learned while the certificate was being fetched.
        return _revoked.TryGetValue(key, out var reason) ? Revoked(reason) : result;
    }

    private long QuietMs => Math.Max(1, (long)_pollInterval.TotalMilliseconds);

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The principal's version floor; a throw-away one (no bound) once <see cref="MaxFloors"/> principals are tracked.</summary>
    private KeyVersionFloor FloorOf(string principal) =>
        _floors.TryGetValue(principal, out var floor) ? floor
        : _floors.Count < MaxFloors ? _floors.GetOrAdd(principal, static _ => new KeyVersionFloor())
        : new KeyVersionFloor();

    private static TrustLookup Judge(CertificateValidator validator, (string Principal, int Version) key, Certificate? certificate)
    {
        if (certificate is null)
        {
            return TrustLookup.Untrusted(TrustStatus.Unknown);
        }

        if (!string.Equals(certificate.Principal, key.Principal, StringComparison.Ordinal) || certificate.Version != key.Version)
        {
            return TrustLookup.Untrusted(TrustStatus.InvalidCertificate);
        }

        return validator.TryCreateVerifier(certificate) is { } verifier
            ? TrustLookup.Trusted(verifier)
            : TrustLookup.Untrusted(TrustStatus.InvalidCertificate);
    }

    /// <summary>Fetches the CA key and the full revocation list once (retried after a failure), then starts the poll timer.</summary>
    private Task<CertificateValidator> EnsureReadyAsync()
    {
        var ready = Volatile.Read(ref _ready);
        if (ready is not null && !ready.IsFaulted && !ready.IsCanceled)
        {
            return ready;
        }

        lock (_startGate)
        {
            if (_ready is null || _ready.IsFaulted || _ready.IsCanceled)
            {
                _ready = StartAsync();
            }

            return _ready;
        }
    }

    private async Task<CertificateValidator> StartAsync()
    {
        var info = await _ca.GetInfo().ConfigureAwait(false);
        var validator = new CertificateValidator(info);
        await _refreshGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await PollCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _refreshGate.Release();
        }

        _validator = validator;
        lock (_startGate)
        {
            if (!_disposed && _timer is null)
            {
                // The first caller may be a grain: do not let its execution context (request context) flow into every poll.
                var suppressed = ExecutionContext.IsFlowSuppressed() ? (AsyncFlowControl?)null : ExecutionContext.SuppressFlow();
                try
                {
                    _timer = _time.CreateTimer(static state => ((TrustStore)state!).OnTimer(), this, _pollInterval, _pollInterval);
                }
                finally
                {
                    suppressed?.Undo();
                }
            }
        }

        return validator;
    }

    private void OnTimer() => _ = PollFromTimerAsync();

    private async Task PollFromTimerAsync()
    {
        // Skip this tick if a poll is still running; the next tick catches up (polls are incremental).
        if (!await _refreshGate.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await PollCoreAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LastPollError = ex;
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    /// <summary>One incremental poll; the caller holds the refresh gate.</summary>
    private async Task PollCoreAsync()
    {
        var batch = await _ca.GetRevocations(Interlocked.Read(ref _epoch)).ConfigureAwait(false);
        foreach (var revocation in batch.Revocations)
        {
            _revoked.TryAdd((revocation.Principal, revocation.Version), revocation.Reason);
            _lookups.TryRemove((revocation.Principal, revocation.Version), out _);
            if (revocation.Reason == RevocationReasons.Rotated && _floors.TryGetValue(revocation.Principal, out var floor))
            {
                floor.Rotated(revocation.Version);
            }
        }

        if (batch.Epoch > Interlocked.Read(ref _epoch))
        {
            Interlocked.Exchange(ref _epoch, batch.Epoch);
        }

        ForgetMisses();
        LastPollError = null;
        LastRefresh = _time.GetUtcNow();
    }

    /// <summary>Drops cached negative answers, so a key certified since (e.g. a rotation's new version) is looked up again.</summary>
    private void ForgetMisses()
    {
        if (Volatile.Read(ref _misses) == 0)
        {
            return;
        }

        foreach (var (key, lookup) in _lookups)
        {
            if (lookup.IsCompletedSuccessfully && lookup.Result.Status != TrustStatus.Trusted)
            {
                _lookups.TryRemove(new KeyValuePair<(string, int), Task<TrustLookup>>(key, lookup));
            }
        }

        // Principals the CA never certified (claimed by forged frames) are forgotten once their quiet period is over.
        var now = NowMs();
        foreach (var (principal, floor) in _floors)
        {
            if (floor.IsIdleAndEmpty(now))
            {
                _floors.TryRemove(new KeyValuePair<string, KeyVersionFloor>(principal, floor));
            }
        }

        Interlocked.Exchange(ref _misses, 0);
    }
}
