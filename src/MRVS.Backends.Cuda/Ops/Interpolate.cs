using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/interpolate.cu for <see cref="InterpolateOp"/>: one thread per output element (nearest of any element
/// size, or bilinear).
/// </summary>
public sealed class Interpolate : CudaKernel<InterpolateOp>
{
    protected override void Launch(KernelLaunches k, InterpolateOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var input = x[0];
        int ih = input.Dim(-2), iw = input.Dim(-1);
        long planes = input.Elements / ((long)ih * iw);
        k.Launch("interpolate", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(input.Ptr).Ptr(y.Ptr).Add(planes).Add(ih).Add(iw).Add(op.Height).Add(op.Width).Add((int)op.Mode)
                .Add(input.Type.DType.Size()));
    }
}
