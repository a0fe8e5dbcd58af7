using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Tensors;

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
    private readonly DeviceScratch _partials = new(device);
    private nint _doneCounts = ZeroedInts(device, RowTileCounts + SplitCounts);

    /// <summary>linear_few_rows' counts (kernels/linear.cu): one per row tile for its LayerNorm (its
    /// MRVS_FEW_ROWS_TILES), then one per tile of a launch with split k, at most this many tiles.</summary>
    private const int RowTileCounts = Ops.Linear.MaxFewRows / 64;
    internal const int SplitCounts = 1020;

    public static bool Supports(Op op) => Kernels.ContainsKey(op.GetType());

    /// <summary>The launch of the op's kind; null for a kind without one (a view).</summary>
    internal static ICudaKernel? KernelOf(Op op) => Kernels.GetValueOrDefault(op.GetType());

    /// <summary>A kernel's <c>type</c> argument for the element type of its output (mrvs_half.h's MRVS_STORE_*): 0
    /// float32, 1 half, 2 bfloat16.</summary>
    internal static int StoreType(DType type) => type switch
    {
        DType.F32 => 0,
        DType.F16 => 1,
        DType.BF16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "kernels store float32, half or bfloat16"),
    };

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

    /// <summary>The level shapes (h, w) and start offsets as int32 in device memory, then <paramref name="tail"/> if
    /// given, uploaded once per op.</summary>
    internal nint LevelTable(Op op, int[][] shapes, IEnumerable<int>? tail = null)
    {
        if (_tables.TryGetValue(op, out var p)) return p;
        var values = shapes.SelectMany(s => s).Concat(Core.Graph.Ops.MsDeformAttnOp.LevelStarts(shapes))
            .Concat(tail ?? []).ToArray();
        p = device.Allocate(values.Length * sizeof(int));
        device.CopyToDevice(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()), p);
        return _tables[op] = p;
    }

    /// <summary>Device memory for an op's temporaries, valid while that op runs: one buffer shared by all
    /// ops.</summary>
    internal nint Scratch(long bytes) => _scratch.Get(bytes);

    /// <summary>Device memory for a split GEMM's partial sums (linear_few_rows), apart from <see cref="Scratch"/>,
    /// which may hold the GEMM's own input (a feed-forward's hidden block).</summary>
    internal nint Partials(long bytes) => _partials.Get(bytes);

    /// <summary>
    /// Device ints that are zero between launches, for a kernel whose last block to finish a step completes it for the
    /// others (kernels/linear.cu's linear_few_rows counts a tile's k splits and a row tile's blocks on them, and the
    /// last arrival zeroes its count again); launches on the one stream run in order, so these serve every such
    /// launch. Zeroed when the backend starts, so neither a counted forward nor a captured graph holds the fill.
    /// </summary>
    internal nint DoneCounts => _doneCounts;

    private static nint ZeroedInts(IGpuDevice device, int count)
    {
        nint p = device.Allocate(count * sizeof(int));
        device.Fill(p, 0, count * sizeof(int));
        return p;
    }

    public void Dispose()
    {
        foreach (var p in _tables.Values) device.Free(p);
        _tables.Clear();
        if (_doneCounts != 0) device.Free(_doneCounts);
        _doneCounts = 0;
        _scratch.Dispose();
        _partials.Dispose();
    }
}
