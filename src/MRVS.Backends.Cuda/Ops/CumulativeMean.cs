using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>kernels/cumulative_mean.cu for <see cref="CumulativeMeanOp"/>: one thread per column.</summary>
public sealed class CumulativeMean : CudaKernel<CumulativeMeanOp>
{
    protected override void Launch(KernelLaunches k, CumulativeMeanOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var input = x[0];
        long inner = input.Elements / input.Dim(0);
        k.Launch("cumulative_mean", Grid(inner), new Dim3(Threads),
            a => a.Ptr(input.Ptr).Ptr(y.Ptr).Add(input.Dim(0)).Add(inner));
    }
}
