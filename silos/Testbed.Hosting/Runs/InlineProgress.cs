namespace Testbed.Hosting.Runs;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its handler on the reporting thread, at once and in order (unlike
/// <see cref="Progress{T}"/>, which posts to a synchronization context or the thread pool, so reports can arrive late or
/// out of order). The handler must be thread-safe when reports come from several threads.
/// </summary>
public sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => handler(value);
}
