using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="FrameScoreAggregationOp"/>: one score per (layer, frame), then the frame's Q·C block
/// scaled by it.
/// </summary>
public sealed unsafe class FrameScoreAggregation : CpuKernel<FrameScoreAggregationOp>
{
    protected override void Run(FrameScoreAggregationOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var f = inputs[0];
        int n = f.Dim(0), t = f.Dim(1);
        long block = (long)f.Dim(2) * f.Dim(3);
        nint pf = f.Ptr, pv = inputs[1].Ptr, pm = inputs[2].Ptr, pd = inputs[3].Ptr, py = output.Ptr;
        CpuParallel.For((long)n * t, lt =>
        {
            long l = lt / t, ti = lt % t, s = ti * n + l;
            float score = Score(((float*)pv)[s], ((float*)pm)[s], ((float*)pd)[s]);
            var y = new Span<float>((float*)py + lt * block, (int)block);
            System.Numerics.Tensors.TensorPrimitives.Multiply(new ReadOnlySpan<float>((float*)pf + lt * block,
                (int)block), score, y);
        });
    }

    /// <summary>s = visibility + language match + 0.5 · variance, added in upstream's order.</summary>
    public static float Score(float visibility, float match, float variance) =>
        visibility + match + FrameScoreAggregationOp.VarianceWeight * variance;
}
