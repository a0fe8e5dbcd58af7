namespace MRVS.Core.Execution;

/// <summary>The work of one graph node: its launches, GEMMs and copies, and what it must move at the least.</summary>
/// <param name="CompulsoryBytes">
/// Each distinct input read once and the output written once (<see cref="Graph.Node.CompulsoryBytes"/>).
/// </param>
/// <param name="Flops">The op's own FLOPs (<see cref="Graph.Op.Flops"/>), GEMMs included.</param>
public sealed record NodeWork(string Node, string Op, long CompulsoryBytes, long Flops, IReadOnlyList<DeviceWork> Work)
{
    public long TrafficBytes => Work.Sum(w => w.TrafficBytes);

    /// <summary>Stream operations: kernel launches, GEMMs (a cuBLAS kernel at least) and copies.</summary>
    public long Launches => Work.Sum(w => w.Count);

    public long GemmFlops => Work.Where(w => w.Kind == DeviceWorkKind.Gemm).Sum(w => w.Flops);

    /// <summary>What the node's kernels ran on tensor cores (<see cref="DeviceWork.TensorFlops"/>).</summary>
    public long TensorFlops => Work.Sum(w => w.TensorFlops);
}
