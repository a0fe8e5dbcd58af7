using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/bmrw.cu for <see cref="BmrwOp"/>: one block of 256 threads per batch entry, its normalised rows and
/// matrices in the shared scratch.
/// </summary>
public sealed class Bmrw : CudaKernel<BmrwOp>
{
    protected override void Launch(KernelLaunches k, BmrwOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (input, memory) = (x[0], x[1]);
        int n = input.Dim(0), rows = input.Dim(1), m = memory.Dim(1), d = input.Dim(2);
        long perEntry = (long)(m + 2 * rows) * d + (long)m * rows + m + (long)rows * rows + rows;
        nint scratch = k.Scratch(n * perEntry * sizeof(float));
        k.Launch("bmrw", new Dim3((uint)n), new Dim3(256),
            a => a.Ptr(input.Ptr).Ptr(memory.Ptr).Ptr(y.Ptr).Ptr(scratch).Add(rows).Add(m).Add(d));
    }
}
