using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/binary.cu for <see cref="BinaryOp"/>: one thread per output element, operands read through broadcast
/// strides (at most 6 axes).
/// </summary>
public sealed class Binary : CudaKernel<BinaryOp>
{
    protected override void Launch(KernelLaunches k, BinaryOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var shape = y.Shape;
        if (shape.Length > 6)
            throw new NotSupportedException($"binary over {shape.Length} axes (the kernel takes at most 6)");
        var sa = Shape.BroadcastStrides(x[0].Shape, shape);
        var sb = Shape.BroadcastStrides(x[1].Shape, shape);
        var b = new BroadcastShape { Rank = shape.Length };
        for (int d = 0; d < shape.Length; d++) { b.Dims[d] = shape[d]; b.StrideA[d] = sa[d]; b.StrideB[d] = sb[d]; }
        nint pa = x[0].Ptr, pb = x[1].Ptr;
        k.Launch("binary", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(pa).Ptr(pb).Ptr(y.Ptr).Add(y.Elements).Add((int)op.Operation).Add(b));
    }

    /// <summary>Mirrors struct mrvs_broadcast in kernels/binary.cu.</summary>
    private struct BroadcastShape
    {
        public int Rank;
        public Six<int> Dims;
        public Six<long> StrideA;
        public Six<long> StrideB;
    }
}
