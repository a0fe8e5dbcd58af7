using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="ConcatOp"/>.</summary>
public sealed unsafe class Concat : CpuKernel<ConcatOp>
{
    protected override void Run(ConcatOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        int size = output.Type.DType.Size();
        long outer = Shape.Elements(output.Shape.AsSpan(0, op.Axis));
        long innerOut = Shape.Elements(output.Shape.AsSpan(op.Axis)) * size;
        long at = 0;
        foreach (var t in inputs)
        {
            long chunk = Shape.Elements(t.Shape.AsSpan(op.Axis)) * size;
            for (long o = 0; o < outer; o++)
                Buffer.MemoryCopy((byte*)t.Ptr + o * chunk, (byte*)output.Ptr + o * innerOut + at, chunk, chunk);
            at += chunk;
        }
    }
}
