using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="SwinWindowMergeOp"/>: each output token is read from the window slot it was rolled into.</summary>
public sealed unsafe class SwinWindowMerge : CpuKernel<SwinWindowMergeOp>
{
    protected override void Run(SwinWindowMergeOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        int d = op.Depth, h = op.Height, w = op.Width, c = output.Dim(3);
        var geo = SwinWindowGeometry.Of(op.Window, d, h, w);
        nint px = inputs[0].Ptr, py = output.Ptr;
        CpuParallel.For((long)d * h * w, token =>
        {
            int z = (int)(token / ((long)h * w)), y = (int)(token / w % h), x = (int)(token % w);
            var (window, n) = geo.Locate(z, y, x);
            new ReadOnlySpan<float>((float*)px + ((long)window * geo.Tokens + n) * c, c).CopyTo(new Span<float>((float*)py + token * c, c));
        }, minPerThread: 256);
    }
}
