namespace MRVS.Backends.Cuda.Devices;

/// <summary>The emulated device's graph: the captured work itself, run again on each launch (the emulation runs work as it is queued).</summary>
internal sealed class RecordedGraph(Action enqueue) : IGpuGraph
{
    private Action? _enqueue = enqueue;

    public void Launch()
    {
        ObjectDisposedException.ThrowIf(_enqueue is null, this);
        _enqueue();
    }

    public void Dispose() => _enqueue = null;
}
