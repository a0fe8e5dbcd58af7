using MRVS.Backends.Cuda.Interop;

namespace MRVS.Backends.Cuda.Devices;

/// <summary>An instantiated CUDA graph (cuGraphExec) captured from a <see cref="CudaDevice"/>'s stream and replayed on
/// it.</summary>
internal sealed class CudaGraph(nint executable, nint stream, Action makeCurrent) : IGpuGraph
{
    private nint _executable = executable;

    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_executable == 0, this);
        makeCurrent();
        CudaDriver.Check(CudaDriver.GraphLaunch(_executable, stream), "cuGraphLaunch", "replaying a captured graph");
    }

    public void Dispose()
    {
        if (_executable == 0) return;
        makeCurrent();
        CudaDriver.Check(CudaDriver.GraphExecDestroy(_executable), "cuGraphExecDestroy", "releasing a captured graph");
        _executable = 0;
    }
}
