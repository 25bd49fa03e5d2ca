namespace Testbed.Hosting.Cluster;

/// <summary>
/// How the embedded cluster's client retries connecting: its silos run in this process and are active before it
/// starts, so a failure that persists over a few short attempts is not going away (e.g. a client certificate the silos
/// refuse). Orleans' default backs off linearly for about three minutes; this gives up after
/// <see cref="MaxAttempts"/> attempts, 250 ms × attempt apart.
/// </summary>
internal sealed class EmbeddedClientRetry : IClientConnectionRetryFilter
{
    /// <summary>Connection attempts before the client's start fails.</summary>
    public const int MaxAttempts = 6;

    private int _attempts = 1;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || Interlocked.Increment(ref _attempts) > MaxAttempts)
        {
            return false;
        }

        await Task.Delay(TimeSpan.FromMilliseconds(250 * (_attempts - 1)), cancellationToken).ConfigureAwait(false);
        return true;
    }
}
