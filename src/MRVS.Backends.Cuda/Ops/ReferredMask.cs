using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>kernels/referred_mask.cu for <see cref="ReferredMaskOp"/>: one thread per output pixel.</summary>
public sealed class ReferredMask : CudaKernel<ReferredMaskOp>
{
    protected override void Launch(KernelLaunches k, ReferredMaskOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (decision, masks) = (x[0], x[1]);
        k.Launch("referred_mask", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(decision.Ptr).Ptr(masks.Ptr).Ptr(y.Ptr).Add(masks.Dim(0)).Add(masks.Dim(2)).Add(masks.Dim(3))
                .Add(masks.Dim(4))
                .Add(op.Padded.H).Add(op.Padded.W).Add(op.Resized.H).Add(op.Resized.W).Add(op.Original.H)
                    .Add(op.Original.W));
    }
}
