using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>kernels/unary.cu for <see cref="UnaryOp"/>: one thread per element.</summary>
public sealed class Unary : CudaKernel<UnaryOp>
{
    protected override void Launch(KernelLaunches k, UnaryOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        nint input = x[0].Ptr;
        k.Launch("unary", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(input).Ptr(y.Ptr).Add(y.Elements).Add((int)op.Function).Add(op.Alpha).Add(op.Beta));
    }
}
