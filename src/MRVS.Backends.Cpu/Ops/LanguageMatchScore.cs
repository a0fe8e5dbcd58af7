using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="LanguageMatchScoreOp"/>, including upstream's scrambled read-back.</summary>
public sealed unsafe class LanguageMatchScore : CpuKernel<LanguageMatchScoreOp>
{
    protected override void Run(LanguageMatchScoreOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var f = inputs[0];
        int t = f.Dim(0), l = f.Dim(1), q = f.Dim(2), c = f.Dim(3);
        float* fq = (float*)f.Ptr, g = (float*)inputs[1].Ptr, y = (float*)output.Ptr;
        float gNorm = Norm(g, c);
        var m = new float[t * l];
        for (int i = 0; i < t * l; i++)
        {
            float sum = 0f;
            for (int qi = 0; qi < q; qi++)
            {
                float* row = fq + ((long)i * q + qi) * c;
                float rn = Norm(row, c), dot = 0f;
                for (int k = 0; k < c; k++) dot += row[k] / rn * (g[k] / gNorm);
                sum += dot;
            }
            m[i] = sum / q;
        }
        for (int tp = 0; tp < t; tp++)
            for (int lp = 0; lp < l; lp++)
                y[tp * l + lp] = Activations.Sigmoid(m[lp * t + tp]);
    }

    private static float Norm(float* v, int n)
    {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double)v[i] * v[i];
        return (float)Math.Sqrt(s);
    }
}
