using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Numerics;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="LanguageMatchScoreOp"/>: each output reads the frame-query row of upstream's scrambled
/// order.
/// </summary>
public sealed unsafe class LanguageMatchScore : CpuKernel<LanguageMatchScoreOp>
{
    protected override void Run(LanguageMatchScoreOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var f = inputs[0];
        int t = f.Dim(0), l = f.Dim(1), q = f.Dim(2), c = f.Dim(3);
        nint pf = f.Ptr, pg = inputs[1].Ptr, py = output.Ptr;
        float gNorm = Norm((float*)pg, c);
        CpuParallel.For((long)t * l, o =>
        {
            long tp = o / l, lp = o % l;
            long row = lp * t + tp; // the (t, l) row i = t·L + l that upstream multiplies into output (t′, l′)
            float* g = (float*)pg, rows = (float*)pf + row * q * c;
            float sum = 0f;
            for (int qi = 0; qi < q; qi++)
            {
                float* v = rows + (long)qi * c;
                float norm = Norm(v, c), dot = 0f;
                for (int k = 0; k < c; k++) dot += v[k] / norm * (g[k] / gNorm);
                sum += dot;
            }
            ((float*)py)[o] = ScalarActivations.Sigmoid(sum / q);
        });
    }

    private static float Norm(float* v, int n)
    {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double)v[i] * v[i];
        return (float)Math.Sqrt(s);
    }
}
