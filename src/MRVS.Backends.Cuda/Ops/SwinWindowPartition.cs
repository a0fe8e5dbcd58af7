using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/swin_window_partition.cu for <see cref="SwinWindowPartitionOp"/>: one thread per output element.
/// </summary>
public sealed class SwinWindowPartition : CudaKernel<SwinWindowPartitionOp>
{
    protected override void Launch(KernelLaunches k, SwinWindowPartitionOp op, ReadOnlySpan<DeviceTensor> x,
        DeviceTensor y)
    {
        nint input = x[0].Ptr;
        SwinWindowGeometry.Launch(k, "swin_window_partition", op.Window, x[0].Shape, y, a => a.Ptr(input).Ptr(y.Ptr));
    }
}
