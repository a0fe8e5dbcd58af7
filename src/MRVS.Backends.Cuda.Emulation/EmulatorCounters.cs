using System.Runtime.InteropServices;
using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda.Emulation;

/// <summary>
/// The counters of an <see cref="EmulatedDevice"/> running the instrumented kernels
/// (libmrvs_kernels_emu_counters.so, kernels/emulation/mrvs_emu_counters.cpp): every launch's distinct 32-byte sectors
/// of device memory read and written per thread block and over all its blocks (its footprint), plus the GEMMs and
/// copies the device ran, in order. Device memory is what the device allocated, registered here. Work is attributed to
/// graph nodes between <see cref="BeginNode"/> and <see cref="EndNode"/> (<see cref="CountingNodeTimer"/>). Work
/// replayed from a captured graph is not counted.
/// </summary>
public sealed unsafe class EmulatorCounters : IWorkCounters
{
    private const int SectorBytes = 32;
    /// <summary>One warp's mma.sync m16n8k16: 16·8·16 multiply-adds.</summary>
    private const long MmaFlops = 2 * 16 * 8 * 16;
    private readonly delegate* unmanaged<nint, ulong, void> _addRegion;
    private readonly delegate* unmanaged<nint, void> _removeRegion;
    private readonly delegate* unmanaged<ulong*, ulong*, ulong*, ulong*, ulong*, ulong*, void> _take;
    private readonly List<DeviceWork> _work = [];
    private readonly List<NodeWork> _nodes = [];
    private int _nodeStart = -1;

    /// <param name="library">A loaded emulation library; it must be the instrumented one.</param>
    internal EmulatorCounters(nint library, string path)
    {
        nint Export(string name) => NativeLibrary.TryGetExport(library, name, out var f) ? f
            : throw new InvalidOperationException($"{path} has no {name}: it is not the instrumented emulation "
                + "(build it: tools/ci/build-kernels-emu.sh)");
        _addRegion = (delegate* unmanaged<nint, ulong, void>)Export("mrvs_emu_counters_add_region");
        _removeRegion = (delegate* unmanaged<nint, void>)Export("mrvs_emu_counters_remove_region");
        _take = (delegate* unmanaged<ulong*, ulong*, ulong*, ulong*, ulong*, ulong*, void>)
            Export("mrvs_emu_counters_take");
    }

    /// <summary>Everything counted since <see cref="Clear"/>, in order.</summary>
    public IReadOnlyList<DeviceWork> Work => _work;

    /// <summary>The work of each node marked since <see cref="Clear"/>, in order.</summary>
    public IReadOnlyList<NodeWork> Nodes => _nodes;

    public void Clear()
    {
        _work.Clear();
        _nodes.Clear();
        _nodeStart = -1;
    }

    public void BeginNode() => _nodeStart = _work.Count;

    public void EndNode(Node node)
    {
        if (_nodeStart < 0) throw new InvalidOperationException($"{node.Name}: EndNode without BeginNode");
        _nodes.Add(new NodeWork(node.Name, node.Op.Kind, node.CompulsoryBytes, node.Flops, _work[_nodeStart..]));
        _nodeStart = -1;
    }

    internal void AddRegion(nint pointer, long bytes) => _addRegion(pointer, (ulong)bytes);

    internal void RemoveRegion(nint pointer) => _removeRegion(pointer);

    /// <summary>Before a launch: forgets what ran uncounted since the last one (replayed graphs).</summary>
    internal void BeginLaunch() => Take();

    /// <summary>After a launch: records the sectors its blocks touched, its footprint and the tensor-core FLOPs its
    /// warps issued.</summary>
    internal void EndLaunch(string kernel)
    {
        var (read, written, footprint, blocks, mma) = Take();
        _work.Add(new DeviceWork(DeviceWorkKind.Kernel, kernel, Count: 1, Blocks: (long)blocks,
            ReadBytes: (long)read * SectorBytes, WrittenBytes: (long)written * SectorBytes,
            FootprintBytes: (long)footprint * SectorBytes, Flops: 0, TensorFlops: (long)mma * MmaFlops));
    }

    /// <summary>A GEMM reads its operands once (one shared by the batch, stride 0, once), and its epilogue's residual
    /// (float32) and bias (C's type) once.</summary>
    internal void CountGemm(int m, int n, int k, int batch, long strideA, long strideB, DType inputs, DType output,
        GemmEpilogue epilogue)
    {
        long a = (strideA == 0 ? 1L : batch) * m * k, b = (strideB == 0 ? 1L : batch) * k * n, c = (long)batch * m * n;
        long biases = epilogue.BiasStride == 0 ? 1 : batch;
        long epilogueReads = (epilogue.Bias != 0 ? biases * n * output.Size() : 0)
            + (epilogue.Residual != 0 ? c * sizeof(float) : 0);
        long read = (a + b) * inputs.Size() + epilogueReads, written = c * output.Size();
        _work.Add(new DeviceWork(DeviceWorkKind.Gemm, $"gemm_{inputs.ToString().ToLowerInvariant()}", Count: 1,
            Blocks: 1, ReadBytes: read, WrittenBytes: written, FootprintBytes: read + written, Flops: 2 * c * k));
    }

    internal void CountCopy(string name, long readBytes, long writtenBytes) =>
        _work.Add(new DeviceWork(DeviceWorkKind.Copy, name, Count: 1, Blocks: 1, ReadBytes: readBytes,
            WrittenBytes: writtenBytes, FootprintBytes: readBytes + writtenBytes, Flops: 0));

    private (ulong Read, ulong Written, ulong Footprint, ulong Blocks, ulong Mma) Take()
    {
        ulong read, written, readFootprint, writtenFootprint, blocks, mma;
        _take(&read, &written, &readFootprint, &writtenFootprint, &blocks, &mma);
        return (read, written, readFootprint + writtenFootprint, blocks, mma);
    }
}
