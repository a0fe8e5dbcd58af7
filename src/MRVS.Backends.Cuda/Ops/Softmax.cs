using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/softmax.cu for <see cref="SoftmaxOp"/>: one block of 128 threads per row of the last axis.
/// </summary>
public sealed class Softmax : CudaKernel<SoftmaxOp>
{
    protected override void Launch(KernelLaunches k, SoftmaxOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        nint input = x[0].Ptr;
        k.Launch("softmax", new Dim3((uint)(y.Elements / y.Dim(-1))), new Dim3(128), a => a.Ptr(input).Ptr(y.Ptr).Add(y.Dim(-1)));
    }
}
