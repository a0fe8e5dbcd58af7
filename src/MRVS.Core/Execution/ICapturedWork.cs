namespace MRVS.Core.Execution;

/// <summary>
/// Device work recorded once by <see cref="IBackend.Capture"/> and replayed as a whole (a CUDA graph): the same
/// kernels, arguments and addresses each time.
/// </summary>
public interface ICapturedWork : IDisposable
{
    /// <summary>Queues the recorded work again; it reads whatever the addressed memory holds by then.</summary>
    void Replay();
}
