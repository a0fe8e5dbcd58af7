using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/referred_query.cu for <see cref="ReferredQueryOp"/>: one block of 128 threads decides for the clip.
/// </summary>
public sealed class ReferredQuery : CudaKernel<ReferredQueryOp>
{
    protected override void Launch(KernelLaunches k, ReferredQueryOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var cls = x[0];
        k.Launch("referred_query", new Dim3(1), new Dim3(128),
            a => a.Ptr(cls.Ptr).Ptr(y.Ptr).Add(cls.Dim(0)).Add(cls.Dim(2)).Add(cls.Dim(3)));
    }
}
