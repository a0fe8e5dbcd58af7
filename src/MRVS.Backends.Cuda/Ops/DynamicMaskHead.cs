using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/dynamic_mask_head.cu for <see cref="DynamicMaskHeadOp"/>: one (frame, query) per grid row with its
/// parameters in shared memory, one pixel per thread; the W = 16 entry up to 16 channels, the wide one up to 32.
/// </summary>
public sealed class DynamicMaskHead : CudaKernel<DynamicMaskHeadOp>
{
    private const int NarrowWidth = 16;

    protected override void Launch(KernelLaunches k, DynamicMaskHeadOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (f, p, r) = (x[0], x[1], x[2]);
        int c = f.Dim(1), h = f.Dim(2), w = f.Dim(3), q = p.Dim(1), np = p.Dim(2);
        string entry = c + 2 <= NarrowWidth && op.Channels <= NarrowWidth ? "dynamic_mask_head"
            : "dynamic_mask_head_wide";
        k.Launch(entry, new Dim3((uint)((h * w + 127) / 128), (uint)(f.Dim(0) * q)), new Dim3(128),
            a => a.Ptr(f.Ptr).Ptr(p.Ptr).Ptr(r.Ptr).Ptr(y.Ptr)
            .Add(c).Add(h).Add(w).Add(q).Add(np).Add(op.Channels).Add(op.Layers)
            .Add((float)op.ImageHeight).Add((float)op.ImageWidth).Add(op.Stride), sharedBytes: np * sizeof(float));
    }
}
