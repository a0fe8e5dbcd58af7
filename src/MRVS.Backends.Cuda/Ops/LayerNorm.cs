using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/layer_norm.cu for <see cref="LayerNormOp"/>: one block of 128 threads per row (residual added first when
/// the op has one).
/// </summary>
public sealed class LayerNorm : CudaKernel<LayerNormOp>
{
    protected override void Launch(KernelLaunches k, LayerNormOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = y.Dim(-1);
        nint residual = op.HasResidual ? x[1].Ptr : 0, gamma = x[^2].Ptr, beta = x[^1].Ptr, input = x[0].Ptr;
        k.Launch("layer_norm", new Dim3((uint)(y.Elements / n)), new Dim3(128),
            a => a.Ptr(input).Ptr(residual).Ptr(gamma).Ptr(beta).Ptr(y.Ptr).Add(n).Add(op.Eps));
    }
}
