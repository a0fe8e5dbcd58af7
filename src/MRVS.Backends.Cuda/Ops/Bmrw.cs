using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/bmrw.cu for <see cref="BmrwOp"/>: one warp per image, its matrices in per-op scratch.
/// </summary>
public sealed class Bmrw : CudaKernel<BmrwOp>
{
    protected override void Launch(KernelLaunches k, BmrwOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        var (input, memory) = (x[0], x[1]);
        int n = input.Dim(0), rows = input.Dim(1), m = memory.Dim(1), d = input.Dim(2);
        nint scratch = k.Scratch(op, (long)n * ((long)m * rows + 2L * rows * rows + (long)rows * d) * sizeof(float));
        k.Launch("bmrw", new Dim3((uint)n), new Dim3(32), a => a.Ptr(input.Ptr).Ptr(memory.Ptr).Ptr(y.Ptr).Ptr(scratch).Add(rows).Add(m).Add(d));
    }
}
