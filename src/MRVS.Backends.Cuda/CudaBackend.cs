using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda;

/// <summary>
/// Runs graphs on an <see cref="IGpuDevice"/>: the GPU (`cuda`) or its CPU emulation (`cuda-emu`). One device
/// allocation holds the executor's arena; constants are uploaded once; each node becomes kernel launches and/or a
/// GEMM (<see cref="KernelLaunches"/>). Ops without a kernel yet are reported by <see cref="Supports"/>.
/// </summary>
public sealed class CudaBackend(IGpuDevice device) : IBackend
{
    private readonly List<nint> _owned = [];
    private readonly KernelLaunches _launches = new(device);

    public string Name => device.Name;
    public IGpuDevice Device => device;

    public nint AllocateArena(long bytes) => device.Allocate(bytes);
    public void FreeArena(nint arena) => device.Free(arena);

    public nint UploadConstant(Tensor tensor)
    {
        var p = device.Allocate(tensor.ByteLength);
        device.CopyToDevice(tensor.Bytes, p);
        _owned.Add(p);
        return p;
    }

    public void CopyToDevice(Tensor source, nint destination) => device.CopyToDevice(source.Bytes, destination);

    public unsafe void CopyToHost(nint source, Tensor destination) =>
        device.CopyToHost(source, new Span<byte>((void*)destination.Data, checked((int)destination.ByteLength)));

    public void Synchronize() => device.Synchronize();
    public bool Supports(Op op) => op.IsView || KernelLaunches.Supports(op);
    public void Execute(Node node, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output) => _launches.Run(node, inputs, output);

    public void Dispose()
    {
        foreach (var p in _owned) device.Free(p);
        _owned.Clear();
        _launches.Dispose();
        device.Dispose();
    }
}
