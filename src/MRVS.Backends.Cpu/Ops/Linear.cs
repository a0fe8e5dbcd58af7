using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="LinearOp"/>: GEMM against the [out, in] weight, bias and activation per row.</summary>
public sealed unsafe class Linear : CpuKernel<LinearOp>
{
    protected override void Run(LinearOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (x, w) = (inputs[0], inputs[1]);
        int k = w.Dim(1), n = w.Dim(0);
        int m = (int)(x.Elements / k);
        float* y = (float*)output.Ptr;
        Gemm.Run((float*)x.Ptr, (float*)w.Ptr, y, m, n, k, transposeB: true);
        float* bias = inputs.Length == 3 ? (float*)inputs[2].Ptr : null;
        if (bias == null && op.Activation == Activation.None) return;
        nint py = (nint)y, pb = (nint)bias;
        var act = op.Activation;
        CpuParallel.For(m, i =>
        {
            var row = new Span<float>((float*)py + i * n, n);
            if (pb != 0) System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>((float*)pb, n), row);
            Activations.Apply(act, row);
        }, minPerThread: 64);
    }
}
