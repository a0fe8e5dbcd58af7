using MRVS.Backends.Cuda.Devices;

namespace MRVS.Backends.Cuda.Emulation;

/// <summary>The emulated device's graph: the work recorded during a capture (with copies of kernel arguments), run
/// again in order on each replay.</summary>
internal sealed class RecordedGraph : IGpuGraph
{
    private readonly List<Action> _work = [];
    private readonly List<KernelArgs> _arguments = [];
    private bool _disposed;

    public void Add(Action work) => _work.Add(work);

    /// <summary>Keeps recorded kernel arguments alive until the graph is disposed.</summary>
    public KernelArgs Own(KernelArgs arguments)
    {
        _arguments.Add(arguments);
        return arguments;
    }

    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var w in _work) w();
    }

    public void Dispose()
    {
        _disposed = true;
        _work.Clear();
        foreach (var a in _arguments) a.Dispose();
        _arguments.Clear();
    }
}
