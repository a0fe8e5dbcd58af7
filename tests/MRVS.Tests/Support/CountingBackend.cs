using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Tests.Support;

/// <summary>A backend that forwards everything (capture and timing included) to another and counts node
/// dispatches.</summary>
public sealed class CountingBackend(IBackend inner) : IBackend
{
    public int Executions { get; private set; }

    public string Name => inner.Name;
    public nint AllocateArena(long bytes) => inner.AllocateArena(bytes);
    public void FreeArena(nint arena) => inner.FreeArena(arena);
    public nint UploadConstant(Tensor tensor) => inner.UploadConstant(tensor);
    public void CopyToDevice(Tensor source, nint destination) => inner.CopyToDevice(source, destination);
    public void CopyToHost(nint source, Tensor destination) => inner.CopyToHost(source, destination);
    public void Synchronize() => inner.Synchronize();
    public bool Supports(Op op) => inner.Supports(op);
    public Precision Precision => inner.Precision;
    public INodeTimer CreateNodeTimer() => inner.CreateNodeTimer();
    public bool CanCapture => inner.CanCapture;
    public ICapturedWork Capture(Action enqueue) => inner.Capture(enqueue);

    public void Execute(Node node, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        Executions++;
        inner.Execute(node, inputs, output);
    }

    public void Dispose() => inner.Dispose();
}
