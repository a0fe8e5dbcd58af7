using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/swin_window_merge.cu for <see cref="SwinWindowMergeOp"/>: one thread per output element.
/// </summary>
public sealed class SwinWindowMerge : CudaKernel<SwinWindowMergeOp>
{
    protected override void Launch(KernelLaunches k, SwinWindowMergeOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        SwinWindowGeometry.Launch(k, "swin_window_merge", op.Window, y.Shape, x[0].Ptr, y);
    }
}
