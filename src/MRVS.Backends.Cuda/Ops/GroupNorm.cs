using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>kernels/group_norm.cu for <see cref="GroupNormOp"/>: one block per (image, group), channels first or
/// last.</summary>
public sealed class GroupNorm : CudaKernel<GroupNormOp>
{
    protected override void Launch(KernelLaunches k, GroupNormOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = y.Dim(0), c = y.Dim(op.ChannelAxis(y.Type.Rank));
        long spatial = y.Elements / ((long)n * c);
        nint px = x[0].Ptr, g = x[1].Ptr, b = x[2].Ptr;
        k.Launch("group_norm", new Dim3((uint)(n * op.Groups)), new Dim3(Threads),
            a => a.Ptr(px).Ptr(g).Ptr(b).Ptr(y.Ptr).Add(c).Add(op.Groups).Add(spatial).Add(op.Eps)
                .Add(op.Relu ? 1 : 0).Add(op.ChannelsLast ? 1 : 0));
    }
}
