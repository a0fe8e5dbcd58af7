using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/binary.cu for <see cref="BinaryOp"/>: one thread per output element, operands read through broadcast
/// strides over the merged axes (at most 6).
/// </summary>
public sealed class Binary : CudaKernel<BinaryOp>
{
    protected override void Launch(KernelLaunches k, BinaryOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (dims, sa, sb) = Merged(y.Shape, Shape.BroadcastStrides(x[0].Shape, y.Shape),
            Shape.BroadcastStrides(x[1].Shape, y.Shape));
        if (dims.Count > 6)
            throw new NotSupportedException($"binary over {dims.Count} merged axes (the kernel takes at most 6)");
        var b = new BroadcastShape { Rank = dims.Count };
        for (int d = 0; d < dims.Count; d++) { b.Dims[d] = dims[d]; b.StrideA[d] = sa[d]; b.StrideB[d] = sb[d]; }
        nint pa = x[0].Ptr, pb = x[1].Ptr;
        k.Launch("binary", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(pa).Ptr(pb).Ptr(y.Ptr).Add(y.Elements).Add((int)op.Operation).Add(b));
    }

    /// <summary>
    /// The same broadcast over fewer axes: output axes of size 1 dropped, and each axis merged into its outer kept
    /// neighbour when both operands are contiguous across them (e.g. [N, C, H, W] + [1, C, 1, 1] is [N, C, HW]).
    /// </summary>
    internal static (List<int> Dims, List<long> A, List<long> B) Merged(int[] shape, long[] sa, long[] sb)
    {
        List<int> dims = [];
        List<long> a = [], b = [];
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            if (dims.Count > 0 && a[^1] == sa[d] * shape[d] && b[^1] == sb[d] * shape[d])
            {
                dims[^1] *= shape[d];
                (a[^1], b[^1]) = (sa[d], sb[d]);
                continue;
            }
            dims.Add(shape[d]);
            a.Add(sa[d]);
            b.Add(sb[d]);
        }
        return (dims, a, b);
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
