namespace MRVS.Backends.Cuda.Interop;

/// <summary>
/// The releases of native resources in the order they were acquired, run newest first: by <see cref="Dispose"/>, or
/// by <see cref="ReleaseAfterFailure"/> when a constructor fails partway, so that what it already acquired (a
/// context, a stream) does not leak.
/// </summary>
public sealed class ReleaseStack : IDisposable
{
    private readonly List<Action> _releases = [];

    /// <summary>Adds the release of a resource just acquired.</summary>
    public void Push(Action release) => _releases.Add(release);

    /// <summary>Runs every release, newest first, even when one fails; then throws the first failure.</summary>
    public void Dispose()
    {
        var releases = Enumerable.Reverse(_releases).ToArray();
        _releases.Clear();
        Release.All(releases);
    }

    /// <summary>
    /// Runs every release after a failure that the caller rethrows: a release failing then (the device is likely in a
    /// bad state) would only hide the original error, so it is dropped.
    /// </summary>
    public void ReleaseAfterFailure()
    {
        try { Dispose(); }
        catch (CudaException) { }
    }
}
