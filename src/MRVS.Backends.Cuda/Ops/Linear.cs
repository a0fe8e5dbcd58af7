using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// <see cref="LinearOp"/> on the device: the GEMM y = x·Wᵀ in the backend's precision, then kernels/linear.cu adds
/// the bias, the activation and the residual (one thread per element) when there is any.
/// </summary>
public sealed class Linear : CudaKernel<LinearOp>
{
    protected override void Launch(KernelLaunches k, LinearOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = x[1].Dim(0), inner = x[1].Dim(1), m = (int)(x[0].Elements / inner);
        nint bias = op.HasBias(x.Length) ? x[2].Ptr : 0, residual = op.HasResidual ? x[^1].Ptr : 0;
        Rows(k, x[0].Ptr, x[1].Ptr, bias, residual, y.Ptr, m, n, inner, op.Activation);
    }

    /// <summary>m rows of a Linear: the GEMM, then the epilogue kernel where there is a bias, activation or
    /// residual.</summary>
    internal static void Rows(KernelLaunches k, nint input, nint weight, nint bias, nint residual, nint output, int m,
        int n, int inner, Activation act)
    {
        k.Gemm.Run(input, weight, output, m, n, inner, transposeB: true, 1f, 1, 0, 0, 0);
        if (bias == 0 && residual == 0 && act == Activation.None) return;
        long count = (long)m * n;
        k.Launch("linear", Grid(count), new Dim3(Threads), a => a.Ptr(output).Ptr(bias).Ptr(residual).Add(count).Add(n)
            .Add((int)act));
    }
}
