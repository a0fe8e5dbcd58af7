using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/swin_window_merge.cu for <see cref="SwinWindowMergeOp"/>: one thread per output element, the residual added
/// when the op has one.
/// </summary>
public sealed class SwinWindowMerge : CudaKernel<SwinWindowMergeOp>
{
    protected override void Launch(KernelLaunches k, SwinWindowMergeOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        nint windows = x[0].Ptr, residual = op.HasResidual ? x[1].Ptr : 0;
        SwinWindowGeometry.Launch(k, "swin_window_merge", op.Window, y.Shape, y,
            a => a.Ptr(windows).Ptr(residual).Ptr(y.Ptr));
    }
}
