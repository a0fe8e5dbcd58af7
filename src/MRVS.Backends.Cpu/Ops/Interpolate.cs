using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Numerics;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cpu.Ops;

/// <summary>CPU reference of <see cref="InterpolateOp"/> with PyTorch's float32 index arithmetic.</summary>
public sealed unsafe class Interpolate : CpuKernel<InterpolateOp>
{
    protected override void Run(InterpolateOp op, ReadOnlySpan<DeviceTensor> inputs, DeviceTensor output)
    {
        var x = inputs[0];
        int ih = x.Dim(-2), iw = x.Dim(-1), oh = op.Height, ow = op.Width;
        long planes = x.Elements / ((long)ih * iw);
        nint px = x.Ptr, py = output.Ptr;
        if (op.Mode == InterpolationMode.Nearest)
        {
            var ys = Enumerable.Range(0, oh).Select(d => Resize.NearestSource(d, ih, oh)).ToArray();
            var xs = Enumerable.Range(0, ow).Select(d => Resize.NearestSource(d, iw, ow)).ToArray();
            int size = x.Type.DType.Size();
            CpuParallel.For(planes * oh, r =>
            {
                long plane = r / oh; int oy = (int)(r % oh);
                byte* src = (byte*)px + (plane * ih + ys[oy]) * iw * size, dst = (byte*)py + r * ow * size;
                for (int ox = 0; ox < ow; ox++) Buffer.MemoryCopy(src + xs[ox] * size, dst + ox * size, size, size);
            }, minPerThread: 64);
            return;
        }
        Bilinear((float*)px, (float*)py, planes, ih, iw, oh, ow, op.Mode == InterpolationMode.BilinearAlignCornersTrue);
    }

    /// <summary>
    /// Bilinear resize of <paramref name="planes"/> row-major [ih, iw] planes to [oh, ow], rows in parallel.
    /// </summary>
    private static void Bilinear(float* src, float* dst, long planes, int ih, int iw, int oh, int ow, bool alignCorners)
    {
        var (y0, y1, ly) = Resize.BilinearTaps(ih, oh, alignCorners);
        var columns = Resize.BilinearTaps(iw, ow, alignCorners);
        nint ps = (nint)src, pd = (nint)dst;
        CpuParallel.For(planes * oh, r =>
        {
            float* s = (float*)ps + r / oh * ih * iw;
            int oy = (int)(r % oh);
            Resize.BilinearRow(new ReadOnlySpan<float>(s + y0[oy] * iw, iw),
                new ReadOnlySpan<float>(s + y1[oy] * iw, iw), ly[oy], columns,
                new Span<float>((float*)pd + r * ow, ow));
        }, minPerThread: 64);
    }
}
