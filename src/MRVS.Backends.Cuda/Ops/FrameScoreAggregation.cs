using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/frame_score_aggregation.cu for <see cref="FrameScoreAggregationOp"/>: one thread per output element.
/// </summary>
public sealed class FrameScoreAggregation : CudaKernel<FrameScoreAggregationOp>
{
    protected override void Launch(KernelLaunches k, FrameScoreAggregationOp op, ReadOnlySpan<DeviceTensor> x,
        DeviceTensor y)
    {
        var f = x[0];
        nint visibility = x[1].Ptr, match = x[2].Ptr, variance = x[3].Ptr;
        k.Launch("frame_score_aggregation", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(f.Ptr).Ptr(visibility).Ptr(match).Ptr(variance).Ptr(y.Ptr)
            .Add(y.Elements).Add((long)f.Dim(2) * f.Dim(3)).Add(f.Dim(0)).Add(f.Dim(1))
                .Add(FrameScoreAggregationOp.VarianceWeight));
    }
}
