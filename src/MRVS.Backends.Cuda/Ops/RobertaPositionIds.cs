using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/roberta_position_ids.cu for <see cref="RobertaPositionIdsOp"/>: one thread per sentence (at most 1024).
/// </summary>
public sealed class RobertaPositionIds : CudaKernel<RobertaPositionIdsOp>
{
    protected override void Launch(KernelLaunches k, RobertaPositionIdsOp op, ReadOnlySpan<DeviceTensor> x,
        DeviceTensor y)
    {
        var ids = x[0];
        if (ids.Dim(0) > 1024)
            throw new NotSupportedException($"roberta_position_ids for {ids.Dim(0)} sentences (the kernel takes at " +
                "most 1024)");
        k.Launch("roberta_position_ids", new Dim3(1), new Dim3((uint)ids.Dim(0)),
            a => a.Ptr(ids.Ptr).Ptr(y.Ptr).Add(ids.Dim(0)).Add(ids.Dim(1)).Add(op.PadTokenId));
    }
}
