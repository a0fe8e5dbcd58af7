using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/dynamic_mask_head.cu for <see cref="DynamicMaskHeadOp"/>: one thread per output pixel, at most 32
/// channels.
/// </summary>
public sealed class DynamicMaskHead : CudaKernel<DynamicMaskHeadOp>
{
    protected override void Launch(KernelLaunches k, DynamicMaskHeadOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (f, p, r) = (x[0], x[1], x[2]);
        if (f.Dim(1) + 2 > 32 || op.Channels > 32) throw new NotSupportedException("dynamic_mask_head wider than 32 channels");
        k.Launch("dynamic_mask_head", Dim3.Blocks(y.Elements, 128), new Dim3(128), a => a.Ptr(f.Ptr).Ptr(p.Ptr).Ptr(r.Ptr).Ptr(y.Ptr)
            .Add(f.Dim(0)).Add(f.Dim(1)).Add(f.Dim(2)).Add(f.Dim(3)).Add(p.Dim(1)).Add(p.Dim(2)).Add(op.Channels).Add(op.Layers)
            .Add((float)op.ImageHeight).Add((float)op.ImageWidth).Add(op.Stride));
    }
}
