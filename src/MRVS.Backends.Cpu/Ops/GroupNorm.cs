using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="GroupNormOp"/>: statistics per (sample, group) over its channels and positions, in
/// double; channels first or last.
/// </summary>
public sealed unsafe class GroupNorm : CpuKernel<GroupNormOp>
{
    protected override void Run(GroupNormOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        int n = x.Dim(0), c = x.Dim(op.ChannelAxis(x.Type.Rank)), groups = op.Groups, cg = c / groups;
        long spatial = x.Elements / ((long)n * c), groupLen = cg * spatial;
        // Element (channel ch of the group, position s) of sample i sits at i·C·S + ch·cs + s·ss.
        long cs = op.ChannelsLast ? 1 : spatial, ss = op.ChannelsLast ? c : 1;
        nint px = x.Ptr, py = output.Ptr, pg = inputs[1].Ptr, pb = inputs[2].Ptr;
        float eps = op.Eps;
        bool relu = op.Relu;
        CpuParallel.For((long)n * groups, ng =>
        {
            int g0 = (int)(ng % groups) * cg;
            long origin = ng / groups * c * spatial + g0 * cs;
            float* xi = (float*)px + origin, yi = (float*)py + origin;
            double sum = 0;
            for (int ch = 0; ch < cg; ch++)
                for (long s = 0; s < spatial; s++) sum += xi[ch * cs + s * ss];
            double mean = sum / groupLen, sq = 0;
            for (int ch = 0; ch < cg; ch++)
                for (long s = 0; s < spatial; s++) { double d = xi[ch * cs + s * ss] - mean; sq += d * d; }
            double rstd = 1.0 / Math.Sqrt(sq / groupLen + eps);
            for (int ch = 0; ch < cg; ch++)
            {
                float gamma = ((float*)pg)[g0 + ch], beta = ((float*)pb)[g0 + ch];
                for (long s = 0; s < spatial; s++)
                {
                    long j = ch * cs + s * ss;
                    float v = (float)((xi[j] - mean) * rstd) * gamma + beta;
                    yi[j] = relu && v < 0f ? 0f : v;
                }
            }
        });
    }
}
