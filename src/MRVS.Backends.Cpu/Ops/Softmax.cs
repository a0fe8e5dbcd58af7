using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="SoftmaxOp"/> over the last axis (max-subtracted, as torch does).</summary>
public sealed unsafe class Softmax : CpuKernel<SoftmaxOp>
{
    protected override void Run(SoftmaxOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        int n = inputs[0].Dim(-1);
        long rows = inputs[0].Elements / Math.Max(n, 1);
        nint px = inputs[0].Ptr, py = output.Ptr;
        CpuParallel.For(rows, r =>
        {
            var y = new Span<float>((float*)py + r * n, n);
            new ReadOnlySpan<float>((float*)px + r * n, n).CopyTo(y);
            Row(y);
        }, minPerThread: 256);
    }

    /// <summary>In-place softmax of one row; a row of all −∞ gives NaN, like torch.</summary>
    public static void Row(Span<float> x)
    {
        float max = float.NegativeInfinity;
        foreach (var v in x) max = MathF.Max(max, v);
        float sum = 0f;
        for (int i = 0; i < x.Length; i++) { x[i] = MathF.Exp(x[i] - max); sum += x[i]; }
        for (int i = 0; i < x.Length; i++) x[i] /= sum;
    }
}
