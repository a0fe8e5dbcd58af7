using System.Numerics.Tensors;
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

    /// <summary>In-place softmax of one row, vectorised; a row of all −∞ gives NaN, like torch.</summary>
    public static void Row(Span<float> x)
    {
        if (x.IsEmpty) return;
        TensorPrimitives.Subtract(x, TensorPrimitives.Max(x), x);
        TensorPrimitives.Exp(x, x);
        TensorPrimitives.Divide(x, TensorPrimitives.Sum(x), x);
    }
}
