namespace MRVS.Backends.Cuda.Counters;

/// <summary>How the bytes of a <see cref="DeviceWork"/> were found.</summary>
public enum DeviceWorkKind
{
    /// <summary>
    /// A kernel launch: the distinct 32-byte sectors each thread block read and wrote, counted by the instrumented
    /// emulation.
    /// </summary>
    Kernel,

    /// <summary>
    /// A GEMM (cuBLAS on the GPU, not instrumented): its operands read once, its result written once, 2·M·N·K FLOPs
    /// per product.
    /// </summary>
    Gemm,

    /// <summary>A device-to-device copy or fill: its bytes.</summary>
    Copy,
}

/// <summary>
/// Work the emulated device ran while counting, with the bytes it moved through global memory: one launch, GEMM or
/// copy (<paramref name="Count"/> 1), or the sum of several of one name.
/// </summary>
public sealed record DeviceWork(
    DeviceWorkKind Kind, string Name, long Count, long Blocks, long ReadBytes, long WrittenBytes, long Flops)
{
    public long TrafficBytes => ReadBytes + WrittenBytes;
}

/// <summary>The work of one graph node: its launches, GEMMs and copies, and what it must move at the least.</summary>
/// <param name="CompulsoryBytes">
/// Each distinct input read once and the output written once (<see cref="Core.Graph.Node.CompulsoryBytes"/>).
/// </param>
/// <param name="Flops">The op's own FLOPs (<see cref="Core.Graph.Op.Flops"/>), GEMMs included.</param>
public sealed record NodeWork(string Node, string Op, long CompulsoryBytes, long Flops, IReadOnlyList<DeviceWork> Work)
{
    public long TrafficBytes => Work.Sum(w => w.TrafficBytes);

    /// <summary>Stream operations: kernel launches, GEMMs (a cuBLAS kernel at least) and copies.</summary>
    public long Launches => Work.Sum(w => w.Count);

    public long GemmFlops => Work.Where(w => w.Kind == DeviceWorkKind.Gemm).Sum(w => w.Flops);
}
