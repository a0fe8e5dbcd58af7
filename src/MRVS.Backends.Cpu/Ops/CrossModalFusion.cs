using System.Numerics.Tensors;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="CrossModalFusionOp"/>, in the order of the unfused ops (attention, Linear, multiply), so
/// the result is the same as theirs: per block of target rows, the attention into a buffer of at most
/// <see cref="BlockFloats"/> floats, the GEMM against out_proj with the bias in its epilogue, then ⊙ target.
/// </summary>
public sealed unsafe class CrossModalFusion : CpuKernel<CrossModalFusionOp>
{
    /// <summary>The attended rows of one block (1 MiB), instead of a temporary as large as the output.</summary>
    private const int BlockFloats = 1 << 18;

    [ThreadStatic] private static float[]? t_attended;

    protected override void Run(CrossModalFusionOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (q, k, v) = (inputs[0], inputs[1], inputs[2]);
        int batch = q.Dim(0), lq = q.Dim(1), lk = k.Dim(1), e = q.Dim(2), block = Math.Clamp(BlockFloats / e, 1, lq);
        nint kpm = op.HasKeyPaddingMask ? inputs[6].Ptr : 0, pb = inputs[4].Ptr, pt = inputs[5].Ptr, py = output.Ptr;
        if (t_attended == null || t_attended.Length < block * e)
            t_attended = GC.AllocateUninitializedArray<float>(block * e, pinned: true);
        fixed (float* attended = t_attended)
        {
            for (int b = 0; b < batch; b++)
                for (int i0 = 0; i0 < lq; i0 += block)
                {
                    int rows = Math.Min(block, lq - i0);
                    long first = (long)b * lq + i0;
                    nint bytesK = (nint)((long)b * lk * e * sizeof(float));
                    Attention.Compute(q.Ptr + (nint)(first * e * sizeof(float)), k.Ptr + bytesK, v.Ptr + bytesK,
                        kpm == 0 ? 0 : kpm + (nint)((long)b * lk), 0, (nint)attended, 1, op.Heads, rows, lk, e, e,
                            scaleQuery: true);
                    float* y = (float*)py + first * e;
                    Gemm.Run(attended, (float*)inputs[3].Ptr, y, rows, e, e, transposeB: true,
                        epilogue: new GemmEpilogue(pb, Activation.None, 0, 0));
                    nint rowsOut = (nint)y, gate = pt + (nint)(first * e * sizeof(float));
                    CpuParallel.For(rows, i =>
                    {
                        var row = new Span<float>((float*)rowsOut + i * e, e);
                        TensorPrimitives.Multiply(new ReadOnlySpan<float>((float*)gate + i * e, e), row, row);
                    }, minPerThread: 64);
                }
        }
    }
}
