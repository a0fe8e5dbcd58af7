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
        var input = x[0];
        long outer = Shape.Elements(input.Shape.AsSpan(0, op.Axis));
        long innerBytes = Shape.Elements(input.Shape.AsSpan(op.Axis + 1)) * input.Type.DType.Size();
        int unit = CopyUnit.Widest(innerBytes, input.Ptr, y.Ptr);
        long innerUnits = innerBytes / unit;
        k.Launch("slice", Grid(outer * op.Length * innerUnits), new Dim3(Threads), a => a.Ptr(input.Ptr).Ptr(y.Ptr)
            .Add(outer).Add(input.Dim(op.Axis)).Add(op.Start).Add(op.Length).Add(op.Step).Add(innerUnits).Add(unit));
    }
}
