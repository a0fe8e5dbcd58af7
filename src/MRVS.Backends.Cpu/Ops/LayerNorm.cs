using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="LayerNormOp"/> (and of kernels/layer_norm.cu): biased variance, mean and variance in double.</summary>
public sealed unsafe class LayerNorm : CpuKernel<LayerNormOp>
{
    protected override void Run(LayerNormOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        int n = x.Dim(-1);
        long rows = x.Elements / n;
        nint px = x.Ptr, pr = op.HasResidual ? inputs[1].Ptr : 0, py = output.Ptr;
        nint pg = inputs[^2].Ptr, pb = inputs[^1].Ptr;
        float eps = op.Eps;
        CpuParallel.For(rows, r =>
        {
            float* xi = (float*)px + r * n, ri = pr == 0 ? null : (float*)pr + r * n, yi = (float*)py + r * n;
            float* g = (float*)pg, b = (float*)pb;
            double sum = 0;
            for (int j = 0; j < n; j++) { float v = ri == null ? xi[j] : xi[j] + ri[j]; yi[j] = v; sum += v; }
            double mean = sum / n, sq = 0;
            for (int j = 0; j < n; j++) { double d = yi[j] - mean; sq += d * d; }
            double rstd = 1.0 / Math.Sqrt(sq / n + eps);
            for (int j = 0; j < n; j++) yi[j] = (float)((yi[j] - mean) * rstd) * g[j] + b[j];
        }, minPerThread: 64);
    }
}
