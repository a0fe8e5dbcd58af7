using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="GroupNormOp"/>: statistics per (sample, group) over its channels and positions, in
/// double.
/// </summary>
public sealed unsafe class GroupNorm : CpuKernel<GroupNormOp>
{
    protected override void Run(GroupNormOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        int n = x.Dim(0), c = x.Dim(1), groups = op.Groups, cg = c / groups;
        long spatial = x.Elements / ((long)n * c), groupLen = cg * spatial;
        nint px = x.Ptr, py = output.Ptr, pg = inputs[1].Ptr, pb = inputs[2].Ptr;
        float eps = op.Eps;
        bool relu = op.Relu;
        CpuParallel.For((long)n * groups, ng =>
        {
            float* xi = (float*)px + ng * groupLen, yi = (float*)py + ng * groupLen;
            int g0 = (int)(ng % groups) * cg;
            double sum = 0;
            for (long j = 0; j < groupLen; j++) sum += xi[j];
            double mean = sum / groupLen, sq = 0;
            for (long j = 0; j < groupLen; j++) { double d = xi[j] - mean; sq += d * d; }
            double rstd = 1.0 / Math.Sqrt(sq / groupLen + eps);
            for (int ch = 0; ch < cg; ch++)
            {
                float gamma = ((float*)pg)[g0 + ch], beta = ((float*)pb)[g0 + ch];
                for (long s = 0; s < spatial; s++)
                {
                    long j = ch * spatial + s;
                    float v = (float)((xi[j] - mean) * rstd) * gamma + beta;
                    yi[j] = relu && v < 0f ? 0f : v;
                }
            }
        });
    }
}
