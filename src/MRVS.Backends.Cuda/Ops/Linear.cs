using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// <see cref="LinearOp"/> on the device: the GEMM y = x·Wᵀ in the backend's precision, then kernels/linear.cu adds
/// the bias and the activation (one thread per element) when there is either.
/// </summary>
public sealed class Linear : CudaKernel<LinearOp>
{
    protected override void Launch(KernelLaunches k, LinearOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = x[1].Dim(0), inner = x[1].Dim(1), m = (int)(x[0].Elements / inner);
        k.Gemm.Run(x[0].Ptr, x[1].Ptr, y.Ptr, m, n, inner, transposeB: true, 1f, 1, 0, 0, 0);
        nint bias = x.Length == 3 ? x[2].Ptr : 0;
        if (bias == 0 && op.Activation == Activation.None) return;
        k.Launch("linear", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(y.Ptr).Ptr(bias).Add(y.Elements).Add(n).Add((int)op.Activation));
    }
}
