using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>
/// CPU reference of <see cref="SwinWindowLayerNormOp"/> (and of kernels/swin_window_layer_norm.cu): each window row
/// is the <see cref="LayerNorm"/> row of the token the partition's index map names, or zeros for a padding token.
/// </summary>
public sealed unsafe class SwinWindowLayerNorm : CpuKernel<SwinWindowLayerNormOp>
{
    protected override void Run(SwinWindowLayerNormOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        int d = x.Dim(0), h = x.Dim(1), w = x.Dim(2), c = x.Dim(3);
        var geo = SwinWindowGeometry.Of(op.Window, d, h, w);
        nint px = x.Ptr, py = output.Ptr, pg = inputs[1].Ptr, pb = inputs[2].Ptr;
        float eps = op.Eps;
        CpuParallel.For(output.Dim(0) * (long)output.Dim(1), row =>
        {
            float* y = (float*)py + row * c;
            long source = geo.SourceToken(row, d, h, w);
            if (source < 0) new Span<float>(y, c).Clear();
            else LayerNorm.Row((float*)px + source * c, null, y, (float*)pg, (float*)pb, c, eps);
        }, minPerThread: 64);
    }
}
