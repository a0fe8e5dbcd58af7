using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// kernels/softmax.cu for <see cref="SoftmaxOp"/>: rows of the last axis in thread groups sized by the row length
/// (<see cref="RowGroup"/>).
/// </summary>
public sealed class Softmax : CudaKernel<SoftmaxOp>
{
    protected override void Launch(KernelLaunches k, SoftmaxOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int n = y.Dim(-1);
        long rows = y.Elements / n;
        nint input = x[0].Ptr;
        var g = RowGroup.For(rows, n, input, y.Ptr);
        k.Launch("softmax", g.Grid, new Dim3(RowGroup.Block),
            a => a.Ptr(input).Ptr(y.Ptr).Add(rows).Add(n).Add(g.Threads).Add(g.Vector4 ? 1 : 0));
    }
}
