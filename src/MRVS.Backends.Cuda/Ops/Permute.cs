using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/permute.cu for <see cref="PermuteOp"/>: one thread per output element of any element size (at most 6
/// axes).
/// </summary>
public sealed class Permute : CudaKernel<PermuteOp>
{
    protected override void Launch(KernelLaunches k, PermuteOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var inStrides = Shape.Strides(x[0].Shape);
        var p = new Permutation { Rank = y.Shape.Length };
        if (p.Rank > 6) throw new NotSupportedException($"permute over {p.Rank} axes (the kernel takes at most 6)");
        for (int d = 0; d < p.Rank; d++) { p.OutDims[d] = y.Shape[d]; p.SourceStride[d] = inStrides[op.Perm[d]]; }
        nint px = x[0].Ptr;
        k.Launch("permute", Grid(y.Elements), new Dim3(Threads),
            a => a.Ptr(px).Ptr(y.Ptr).Add(y.Elements).Add(y.Type.DType.Size()).Add(p));
    }

    /// <summary>Mirrors struct mrvs_permutation in kernels/permute.cu.</summary>
    private struct Permutation
    {
        public int Rank;
        public Six<int> OutDims;
        public Six<long> SourceStride;
    }
}
