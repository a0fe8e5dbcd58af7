using System.Numerics.Tensors;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="CrossModalFusionOp"/>, in the order of the unfused ops (attention, Linear, multiply), so
/// the result is the same to the bit: attention into a temporary, GEMM against out_proj, then per row + bias and ⊙ target.
/// </summary>
public sealed unsafe class CrossModalFusion : CpuKernel<CrossModalFusionOp>
{
    protected override void Run(CrossModalFusionOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (q, k, v) = (inputs[0], inputs[1], inputs[2]);
        int batch = q.Dim(0), lq = q.Dim(1), lk = k.Dim(1), e = q.Dim(2), rows = batch * lq;
        nint kpm = op.HasKeyPaddingMask ? inputs[6].Ptr : 0, pb = inputs[4].Ptr, pt = inputs[5].Ptr, py = output.Ptr;
        var attended = GC.AllocateUninitializedArray<float>(rows * e);
        fixed (float* pa = attended)
        {
            Attention.Compute(q.Ptr, k.Ptr, v.Ptr, kpm, 0, (nint)pa, batch, op.Heads, lq, lk, e, e, scaleQuery: true);
            Gemm.Run(pa, (float*)inputs[3].Ptr, (float*)py, rows, e, e, transposeB: true);
        }
        CpuParallel.For(rows, i =>
        {
            var row = new Span<float>((float*)py + i * e, e);
            TensorPrimitives.Add(row, new ReadOnlySpan<float>((float*)pb, e), row);
            TensorPrimitives.Multiply(new ReadOnlySpan<float>((float*)pt + i * e, e), row, row);
        }, minPerThread: 64);
    }
}
