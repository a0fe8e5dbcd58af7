using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/permute.cu for <see cref="PermuteOp"/>: axes of size 1 dropped and axes that stay adjacent merged first;
/// a batched 2-D transpose then runs the tiled permute_transpose, any other order the general kernel, which moves
/// runs of the innermost axis as units of up to 16 bytes when it stays innermost (at most 6 merged axes).
/// </summary>
public sealed class Permute : CudaKernel<PermuteOp>
{
    protected override void Launch(KernelLaunches k, PermuteOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (dims, perm) = Merged(x[0].Shape, op.Perm);
        int rank = dims.Length, size = y.Type.DType.Size();
        nint px = x[0].Ptr;
        bool transpose = (rank == 2 && perm[0] == 1) || (rank == 3 && perm[0] == 0 && perm[1] == 2);
        if (transpose)
        {
            int batch = rank == 3 ? dims[0] : 1, rows = dims[rank - 2], cols = dims[rank - 1];
            if (batch <= ushort.MaxValue && (rows + 31) / 32 <= ushort.MaxValue)
            {
                k.Launch("permute_transpose", new Dim3((uint)((cols + 31) / 32), (uint)((rows + 31) / 32), (uint)batch),
                    new Dim3(32, 8), a => a.Ptr(px).Ptr(y.Ptr).Add(rows).Add(cols).Add(size));
                return;
            }
        }
        if (rank > 6) throw new NotSupportedException($"permute over {rank} axes (the kernel takes at most 6)");
        int unit = perm[^1] == rank - 1 ? CopyUnit.Widest((long)dims[^1] * size, px, y.Ptr) : size;
        int perUnit = unit / size;
        var inStrides = Shape.Strides(dims);
        var p = new Permutation { Rank = rank };
        for (int d = 0; d < rank; d++)
        {
            p.OutDims[d] = d == rank - 1 ? dims[perm[d]] / perUnit : dims[perm[d]];
            p.SourceStride[d] = perm[d] == rank - 1 ? 1 : inStrides[perm[d]] / perUnit; // in units
        }
        long count = y.Elements / perUnit;
        k.Launch("permute", Grid(count), new Dim3(Threads), a => a.Ptr(px).Ptr(y.Ptr).Add(count).Add(unit).Add(p));
    }

    /// <summary>
    /// The same permutation over fewer axes: input axes of size 1 dropped, and output axes whose input axes are
    /// consecutive and in order merged into one (e.g. [B, C, H, W] → [B, H, W, C] is [B, C, HW] → [B, HW, C]).
    /// </summary>
    internal static (int[] Dims, int[] Perm) Merged(int[] shape, IReadOnlyList<int> perm)
    {
        var kept = perm.Where(a => shape[a] > 1).ToList();
        if (kept.Count == 0) return ([1], [0]);
        var groups = new List<(int First, int Last)>();
        foreach (int a in kept)
            if (groups.Count > 0 && NextKept(shape, groups[^1].Last) == a) groups[^1] = (groups[^1].First, a);
            else groups.Add((a, a));
        var byInput = groups.OrderBy(g => g.First).ToList();
        int[] dims = [.. byInput.Select(g => (int)Shape.Elements(shape.AsSpan(g.First, g.Last - g.First + 1)))];
        int[] merged = [.. groups.Select(g => byInput.IndexOf(g))];
        return (dims, merged);
    }

    /// <summary>The first input axis after <paramref name="axis"/> of size > 1 (size-1 axes in between move
    /// nothing).</summary>
    private static int NextKept(int[] shape, int axis)
    {
        int a = axis + 1;
        while (a < shape.Length && shape[a] == 1) a++;
        return a;
    }

    /// <summary>Mirrors struct mrvs_permutation in kernels/permute.cu.</summary>
    private struct Permutation
    {
        public int Rank;
        public Six<int> OutDims;
        public Six<long> SourceStride;
    }
}
