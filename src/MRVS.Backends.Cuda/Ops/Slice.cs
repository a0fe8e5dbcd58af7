using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Backends.Cuda.KernelLaunches;

namespace MRVS.Backends.Cuda.Ops;

/// <summary>kernels/slice.cu for <see cref="SliceOp"/>: one thread per unit of up to 16 bytes (<see
/// cref="CopyUnit"/>).</summary>
public sealed class Slice : CudaKernel<SliceOp>
{
    protected override void Launch(KernelLaunches k, SliceOp op, ReadOnlySpan<DeviceTensor> x, DeviceTensor y)
    {
        CopyAlongAxis(k, x[0], y, op.Axis, op.Start, op.Length, op.Step, 0);
    }

    /// <summary>The slice kernel: rows [start, start + length·step) of x's axis into rows [offset, offset + length) of
    /// y's.</summary>
    internal static void CopyAlongAxis(KernelLaunches k, DeviceTensor x, DeviceTensor y, int axis, int start,
        int length, int step, int offset)
    {
        long outer = Shape.Elements(x.Shape.AsSpan(0, axis));
        long innerBytes = Shape.Elements(x.Shape.AsSpan(axis + 1)) * x.Type.DType.Size();
        int axisIn = x.Dim(axis), axisOut = y.Dim(axis), unit = CopyUnit.Widest(innerBytes, x.Ptr, y.Ptr);
        long innerUnits = innerBytes / unit;
        k.Launch("slice", Grid(outer * length * innerUnits), new Dim3(Threads), a => a.Ptr(x.Ptr).Ptr(y.Ptr).Add(outer)
            .Add(axisIn).Add(start).Add(length).Add(step).Add(innerUnits).Add(axisOut).Add(offset).Add(unit));
    }
}
