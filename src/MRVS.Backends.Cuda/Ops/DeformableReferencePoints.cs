using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/deformable_reference_points.cu for <see cref="DeformableReferencePointsOp"/>: one thread per (image,
/// position); the level table is uploaded once per op.
/// </summary>
public sealed class DeformableReferencePoints : CudaKernel<DeformableReferencePointsOp>
{
    protected override void Launch(KernelLaunches k, DeformableReferencePointsOp op, ReadOnlySpan<DeviceTensor> x,
        DeviceTensor y)
    {
        nint table = k.LevelTable(op, op.LevelShapes), ratios = x[0].Ptr;
        int levels = op.LevelShapes.Length;
        k.Launch("deformable_reference_points", Dim3.Blocks((long)y.Dim(0) * y.Dim(1), 128), new Dim3(128),
            a => a.Ptr(ratios).Ptr(table).Ptr(table + 8 * levels).Ptr(y.Ptr).Add(y.Dim(0)).Add(y.Dim(1)).Add(levels));
    }
}
