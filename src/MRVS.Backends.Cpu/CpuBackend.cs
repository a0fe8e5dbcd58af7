using System.Runtime.InteropServices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cpu;

/// <summary>
/// The numerical reference backend: host memory, float32, one CPU kernel per op kind. Results do not depend on
/// the thread count: every output element is computed by one thread in a fixed order.
/// </summary>
public sealed unsafe class CpuBackend : IBackend
{
    private readonly Dictionary<Type, ICpuKernel> _kernels = CpuKernelCatalog.All.ToDictionary(k => k.OpType);

    /// <param name="threads">Threads the kernels may use; null for every core of the machine.</param>
    public CpuBackend(int? threads = null)
    {
        if (threads is < 1)
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "the CPU backend needs at least 1 thread");
        Threads = threads ?? Environment.ProcessorCount;
    }

    public string Name => "cpu";

    /// <summary>The most threads one kernel uses (this backend's own setting, independent of other backends).</summary>
    public int Threads { get; }

    public nint AllocateArena(long bytes) => (nint)NativeMemory.AlignedAlloc((nuint)bytes, 256);
    public void FreeArena(nint arena) => NativeMemory.AlignedFree((void*)arena);
    public nint UploadConstant(Tensor tensor) => tensor.Data;
    public void CopyToDevice(Tensor source, nint destination) =>
        source.Bytes.CopyTo(new Span<byte>((void*)destination, (int)source.ByteLength));
    public void CopyToHost(nint source, Tensor destination) =>
        new ReadOnlySpan<byte>((void*)source,
            (int)destination.ByteLength).CopyTo(new Span<byte>((void*)destination.Data, (int)destination.ByteLength));
    public void Synchronize() { }
    public bool Supports(Op op) => op.IsView || _kernels.ContainsKey(op.GetType());

    public void Execute(Node node, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        if (!_kernels.TryGetValue(node.Op.GetType(), out var k))
            throw new NotSupportedException($"{node.Name}: the CPU backend has no kernel for '{node.Op.Kind}'");
        using var limit = CpuParallel.Limit(Threads);
        k.Run(node.Op, inputs, output);
    }

    public void Dispose() { }
}
