using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>kernels/patch_merge.cu for <see cref="PatchMergeOp"/>: one thread per output element.</summary>
public sealed class PatchMerge : CudaKernel<PatchMergeOp>
{
    protected override void Launch(KernelLaunches k, PatchMergeOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var input = x[0];
        k.Launch("patch_merge", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(input.Ptr).Ptr(y.Ptr).Add(y.Elements).Add(input.Dim(1)).Add(input.Dim(2)).Add(input.Dim(3)));
    }
}
