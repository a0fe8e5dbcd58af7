using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/bmrw.cu for <see cref="BmrwOp"/>: one block of 256 threads per batch entry, its matrices in the shared
/// scratch and its normalised rows in shared memory when they fit (K + 8 rows of d: SOC++'s 20 queries of 256), else
/// in the scratch too; the right-hand sides solved in place in the output.
/// </summary>
public sealed class Bmrw : CudaKernel<BmrwOp>
{
    private const int Warps = 8, SharedLimit = 48 * 1024;

    protected override void Launch(KernelLaunches k, BmrwOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (input, memory) = (x[0], x[1]);
        int n = input.Dim(0), rows = input.Dim(1), m = memory.Dim(1), d = input.Dim(2);
        long rowsFloats = (long)(rows + Warps) * d;
        long perEntry = rowsFloats + (long)m * rows + m + (long)rows * rows + rows;
        nint scratch = k.Scratch(n * perEntry * sizeof(float));
        int shared = rowsFloats * sizeof(float) <= SharedLimit ? (int)rowsFloats * sizeof(float) : 0;
        k.Launch("bmrw", new Dim3((uint)n), new Dim3(Warps * 32),
            a => a.Ptr(input.Ptr).Ptr(memory.Ptr).Ptr(y.Ptr).Ptr(scratch).Add(rows).Add(m).Add(d)
                .Add(shared > 0 ? 1 : 0), sharedBytes: shared);
    }
}
