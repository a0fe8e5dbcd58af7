using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="PadOp"/>: copies each input row (last axis) into the zeroed output.</summary>
public sealed unsafe class Pad : CpuKernel<PadOp>
{
    protected override void Run(PadOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        int size = x.Type.DType.Size(), rank = x.Type.Rank;
        new Span<byte>((void*)output.Ptr, checked((int)(output.Elements * size))).Clear();
        if (x.Elements == 0) return;
        var inShape = x.Shape;
        var outStrides = Shape.Strides(output.Shape);
        long rowBytes = (long)inShape[^1] * size;
        nint px = x.Ptr, py = output.Ptr;
        CpuParallel.For(x.Elements / inShape[^1], row =>
        {
            long rem = row, dst = 0;
            for (int d = rank - 2; d >= 0; d--) { dst += rem % inShape[d] * outStrides[d]; rem /= inShape[d]; }
            Buffer.MemoryCopy((byte*)px + row * rowBytes, (byte*)py + dst * size, rowBytes, rowBytes);
        }, minPerThread: 256);
    }
}
