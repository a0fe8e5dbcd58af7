using System.Numerics.Tensors;
using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="SwinWindowMergeOp"/>: each output token is read from the window slot it was rolled into,
/// plus the residual's token when there is one.
/// </summary>
public sealed unsafe class SwinWindowMerge : CpuKernel<SwinWindowMergeOp>
{
    protected override void Run(SwinWindowMergeOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        int d = op.Depth, h = op.Height, w = op.Width, c = output.Dim(3);
        var geo = SwinWindowGeometry.Of(op.Window, d, h, w);
        nint px = inputs[0].Ptr, py = output.Ptr, pr = op.HasResidual ? inputs[1].Ptr : 0;
        CpuParallel.For((long)d * h * w, token =>
        {
            int z = (int)(token / ((long)h * w)), y = (int)(token / w % h), x = (int)(token % w);
            var (window, n) = geo.Locate(z, y, x);
            var source = new ReadOnlySpan<float>((float*)px + ((long)window * geo.Tokens + n) * c, c);
            var target = new Span<float>((float*)py + token * c, c);
            if (pr == 0) source.CopyTo(target);
            else TensorPrimitives.Add(new ReadOnlySpan<float>((float*)pr + token * c, c), source, target);
        }, minPerThread: 256);
    }
}
