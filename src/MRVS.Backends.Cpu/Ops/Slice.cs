using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="SliceOp"/>.</summary>
public sealed unsafe class Slice : CpuKernel<SliceOp>
{
    protected override void Run(SliceOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        int size = x.Type.DType.Size();
        long outer = Shape.Elements(x.Shape.AsSpan(0, op.Axis));
        long inner = Shape.Elements(x.Shape.AsSpan(op.Axis + 1)) * size;
        int axisLen = x.Dim(op.Axis);
        nint px = x.Ptr, py = output.Ptr;
        var (start, len, step) = (op.Start, op.Length, op.Step);
        CpuParallel.For(outer * len, r =>
        {
            long o = r / len, i = r % len;
            Buffer.MemoryCopy((byte*)px + (o * axisLen + start + i * step) * inner, (byte*)py + r * inner, inner,
                inner);
        }, minPerThread: 256);
    }
}
