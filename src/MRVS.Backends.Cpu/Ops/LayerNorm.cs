using System.Numerics;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="LayerNormOp"/> (and of kernels/layer_norm.cu): biased variance, mean and variance
/// accumulated in double vector lanes; per row one pass writes x [+ residual] and sums it, one sums the squared
/// deviations, one normalises (in double, rounded) and applies γ, β in float. The row is in L1 after the first pass.
/// </summary>
public sealed unsafe class LayerNorm : CpuKernel<LayerNormOp>
{
    protected override void Run(LayerNormOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        int n = x.Dim(-1);
        Rows(x.Ptr, op.HasResidual ? inputs[1].Ptr : 0, output.Ptr, inputs[^2].Ptr, inputs[^1].Ptr, x.Elements / n,
            n, op.Eps);
    }

    /// <summary>
    /// The rows of y = LN(x [+ residual]) · γ + β (<paramref name="residual"/> may be 0; <paramref name="y"/> may be
    /// <paramref name="x"/>: a Linear's LayerNorm epilogue normalises its output in place).
    /// </summary>
    internal static void Rows(nint x, nint residual, nint y, nint gamma, nint beta, long rows, int n, float eps) =>
        CpuParallel.For(rows, r =>
        {
            float* xi = (float*)x + r * n, ri = residual == 0 ? null : (float*)residual + r * n;
            Row(xi, ri, (float*)y + r * n, (float*)gamma, (float*)beta, n, eps);
        }, minPerThread: 64);

    /// <summary>
    /// One row (shared with <see cref="SwinWindowLayerNorm"/>); <paramref name="residual"/> may be null.
    /// </summary>
    internal static void Row(float* x, float* residual, float* y, float* gamma, float* beta, int n, float eps)
    {
        int w = Vector<float>.Count, vn = Vector.IsHardwareAccelerated ? n / w * w : 0, j;
        var sumV = Vector<double>.Zero;
        for (j = 0; j < vn; j += w)
        {
            var v = Vector.Load(x + j);
            if (residual != null) v += Vector.Load(residual + j);
            v.Store(y + j);
            Vector.Widen(v, out var lo, out var hi);
            sumV += lo + hi;
        }
        double sum = Vector.Sum(sumV);
        for (; j < n; j++) { float v = residual == null ? x[j] : x[j] + residual[j]; y[j] = v; sum += v; }
        double mean = sum / n;
        var meanV = new Vector<double>(mean);
        var sqV = Vector<double>.Zero;
        for (j = 0; j < vn; j += w)
        {
            Vector.Widen(Vector.Load(y + j), out var lo, out var hi);
            lo -= meanV;
            hi -= meanV;
            sqV += lo * lo + hi * hi;
        }
        double sq = Vector.Sum(sqV);
        for (; j < n; j++) { double d = y[j] - mean; sq += d * d; }
        double rstd = 1.0 / Math.Sqrt(sq / n + eps);
        var rstdV = new Vector<double>(rstd);
        for (j = 0; j < vn; j += w)
        {
            Vector.Widen(Vector.Load(y + j), out var lo, out var hi);
            var normalised = Vector.Narrow((lo - meanV) * rstdV, (hi - meanV) * rstdV);
            (normalised * Vector.Load(gamma + j) + Vector.Load(beta + j)).Store(y + j);
        }
        for (; j < n; j++) y[j] = (float)((y[j] - mean) * rstd) * gamma[j] + beta[j];
    }
}
