using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="PermuteOp"/>: one output row (last axis) per work item.</summary>
public sealed unsafe class Permute : CpuKernel<PermuteOp>
{
    protected override void Run(PermuteOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        int rank = x.Type.Rank, size = x.Type.DType.Size();
        var inStrides = Shape.Strides(x.Shape);
        var src = op.Perm.Select(p => inStrides[p]).ToArray();
        var outShape = output.Shape;
        int inner = rank == 0 ? 1 : outShape[^1];
        long innerStride = rank == 0 ? 1 : src[^1];
        nint px = x.Ptr, py = output.Ptr;
        CpuParallel.For(output.Elements / Math.Max(inner, 1), row =>
        {
            long rem = row, offset = 0;
            for (int d = rank - 2; d >= 0; d--) { offset += rem % outShape[d] * src[d]; rem /= outShape[d]; }
            byte* dst = (byte*)py + row * inner * size, s = (byte*)px + offset * size;
            if (innerStride == 1) Buffer.MemoryCopy(s, dst, (long)inner * size, (long)inner * size);
            else if (size == sizeof(float))
                for (int j = 0; j < inner; j++) ((int*)dst)[j] = ((int*)s)[j * innerStride];
            else
                for (int j = 0; j < inner; j++)
                    Buffer.MemoryCopy(s + j * innerStride * size, dst + (long)j * size, size, size);
        }, minPerThread: 64);
    }
}
