using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>
/// <see cref="ConcatOp"/> on the device: no kernel of its own: kernels/slice.cu copies each input into its rows of
/// the output.
/// </summary>
public sealed class Concat : CudaKernel<ConcatOp>
{
    protected override void Launch(KernelLaunches k, ConcatOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        int offset = 0;
        foreach (var t in x)
        {
            Slice.CopyAlongAxis(k, t, y, op.Axis, 0, t.Dim(op.Axis), 1, offset);
            offset += t.Dim(op.Axis);
        }
    }
}
