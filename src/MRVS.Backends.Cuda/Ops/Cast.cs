using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/cast.cu for <see cref="CastOp"/>: one thread per element, between F32, I64, Bool and U8.
/// </summary>
public sealed class Cast : CudaKernel<CastOp>
{
    protected override void Launch(KernelLaunches k, CastOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var input = x[0];
        k.Launch("cast", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(input.Ptr).Ptr(y.Ptr).Add(y.Elements).Add(Code(input.Type.DType)).Add(Code(y.Type.DType)));
    }

    /// <summary>The element type codes of kernels/cast.cu.</summary>
    private static int Code(DType t) => t switch { DType.F32 => 0, DType.I64 => 1, DType.Bool => 2, _ => 3 };
}
