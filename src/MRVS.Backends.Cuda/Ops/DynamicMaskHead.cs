using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/dynamic_mask_head.cu for <see cref="DynamicMaskHeadOp"/>: one frame's run of 512 pixels per block, every
/// query per pixel, the queries' parameters staged in shared memory as many at a time as fit beside the kernel's two
/// [W, 128] arrays in 48 KiB; the W = 16 entry up to 16 channels, the wide one up to 32.
/// </summary>
public sealed class DynamicMaskHead : CudaKernel<DynamicMaskHeadOp>
{
    private const int NarrowWidth = 16, WideWidth = 32, Threads = 128, PixelsPerBlock = Threads * 4;
    private const int SharedBytes = 48 * 1024;

    protected override void Launch(KernelLaunches k, DynamicMaskHeadOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (f, p, r) = (x[0], x[1], x[2]);
        int c = f.Dim(1), h = f.Dim(2), w = f.Dim(3), q = p.Dim(1), np = p.Dim(2);
        bool narrow = c + 2 <= NarrowWidth && op.Channels <= NarrowWidth;
        int width = narrow ? NarrowWidth : WideWidth;
        int chunk = Math.Clamp((SharedBytes - 2 * width * Threads * sizeof(float)) / (np * sizeof(float)), 1, q);
        string entry = narrow ? "dynamic_mask_head" : "dynamic_mask_head_wide";
        k.Launch(entry, new Dim3((uint)((h * w + PixelsPerBlock - 1) / PixelsPerBlock), (uint)f.Dim(0)),
            new Dim3(Threads), a => a.Ptr(f.Ptr).Ptr(p.Ptr).Ptr(r.Ptr).Ptr(y.Ptr).Add(c).Add(h).Add(w).Add(q).Add(np)
                .Add(chunk).Add(op.Channels).Add(op.Layers).Add((float)op.ImageHeight).Add((float)op.ImageWidth)
                .Add(op.Stride), sharedBytes: chunk * np * sizeof(float));
    }
}
