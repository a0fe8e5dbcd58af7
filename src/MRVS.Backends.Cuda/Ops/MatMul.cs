using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// <see cref="MatMulOp"/> on the device: a (batched) GEMM in the backend's precision; no kernel of its own (cuBLAS,
/// or the CPU GEMM under emulation).
/// </summary>
public sealed class MatMul : CudaKernel<MatMulOp>
{
    protected override void Launch(KernelLaunches k, MatMulOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int m = x[0].Dim(-2), inner = x[0].Dim(-1), n = y.Dim(-1), batch = MatMulOp.Batch(x[0].Type);
        long strideB = x[1].Type.Rank == 2 ? 0 : (long)inner * n;
        k.Gemm.Run(x[0].Ptr, x[1].Ptr, y.Ptr, m, n, inner, op.TransposeB, op.Alpha, batch, (long)m * inner, strideB,
            (long)m * n, aType: x[0].Type.DType);
    }

    public override bool ReadsNarrowed(Node node, int input) => input == 0;
}
