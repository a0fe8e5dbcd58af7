using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;

namespace MRVS.Backends.Cuda;

/// <summary>
/// Runs nodes on a GPU device through the launch of their op kind (<see cref="CudaKernel{TOp}"/>, one per file in
/// Ops/, listed in <see cref="CudaKernelCatalog"/>), and gives those launches the device, the backend's GEMM (in its
/// precision) and the device tables and scratch they keep per op.
/// </summary>
public sealed class KernelLaunches(IGpuDevice device, PrecisionGemm gemm) : IDisposable
{
    internal const uint Threads = 256;
    private static readonly Dictionary<Type, ICudaKernel> Kernels = CudaKernelCatalog.All.ToDictionary(k => k.OpType);
    private readonly Dictionary<Op, nint> _tables = [];
    private readonly DeviceScratch _scratch = new(device);

    public static bool Supports(Op op) => Kernels.ContainsKey(op.GetType());

    public IGpuDevice Device => device;
    public PrecisionGemm Gemm => gemm;

    public void Run(Node node, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        if (!Kernels.TryGetValue(node.Op.GetType(), out var kernel))
            throw new NotSupportedException($"{node.Name}: no CUDA kernel for '{node.Op.Kind}' yet");
        kernel.Launch(this, node.Op, x, y);
    }

    internal void Launch(string kernel, Dim3 grid, Dim3 block, Action<KernelArgs> fill, int sharedBytes = 0)
    {
        using var args = new KernelArgs();
        fill(args);
        device.Launch(kernel, grid, block, sharedBytes, args);
    }

    /// <summary>Blocks of <see cref="Threads"/> threads for one thread per work item.</summary>
    internal static Dim3 Grid(long work) => Dim3.Blocks(work, Threads);

    /// <summary>The level shapes (h, w) and start offsets as int32 in device memory, uploaded once per op.</summary>
    internal nint LevelTable(Op op, int[][] shapes)
    {
        if (_tables.TryGetValue(op, out var p)) return p;
        var values = shapes.SelectMany(s => s).Concat(Core.Graph.Ops.MsDeformAttnOp.LevelStarts(shapes)).ToArray();
        p = device.Allocate(values.Length * sizeof(int));
        device.CopyToDevice(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()), p);
        return _tables[op] = p;
    }

    /// <summary>Device memory for an op's temporaries, valid while that op runs: one buffer shared by all
    /// ops.</summary>
    internal nint Scratch(long bytes) => _scratch.Get(bytes);

    public void Dispose()
    {
        foreach (var p in _tables.Values) device.Free(p);
        _tables.Clear();
        _scratch.Dispose();
    }
}
