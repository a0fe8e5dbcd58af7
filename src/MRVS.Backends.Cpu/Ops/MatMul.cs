using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="MatMulOp"/>: one GEMM per batch entry.</summary>
public sealed unsafe class MatMul : CpuKernel<MatMulOp>
{
    protected override void Run(MatMulOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var (a, b) = (inputs[0], inputs[1]);
        int m = a.Dim(-2), k = a.Dim(-1), n = output.Dim(-1);
        int batch = MatMulOp.Batch(a.Type);
        long strideB = b.Type.Rank == 2 ? 0 : (long)k * n;
        for (int i = 0; i < batch; i++)
            Gemm.Run((float*)a.Ptr + (long)i * m * k, (float*)b.Ptr + i * strideB, (float*)output.Ptr + (long)i * m * n,
                m, n, k, op.TransposeB, op.Alpha);
    }
}
