using MRVS.Core.Execution;
using MRVS.Core.Graph.Ops;
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
            var ys = Enumerable.Range(0, oh).Select(d => NearestSource(d, ih, oh)).ToArray();
            var xs = Enumerable.Range(0, ow).Select(d => NearestSource(d, iw, ow)).ToArray();
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

    /// <summary>Bilinear resize of <paramref name="planes"/> row-major [ih, iw] planes to [oh, ow].</summary>
    public static void Bilinear(float* src, float* dst, long planes, int ih, int iw, int oh, int ow, bool alignCorners)
    {
        var (y0, y1, ly) = BilinearTaps(ih, oh, alignCorners);
        var (x0, x1, lx) = BilinearTaps(iw, ow, alignCorners);
        nint ps = (nint)src, pd = (nint)dst;
        CpuParallel.For(planes * oh, r =>
        {
            long plane = r / oh; int oy = (int)(r % oh);
            float* s = (float*)ps + plane * ih * iw, d = (float*)pd + r * ow;
            float* ra = s + y0[oy] * iw, rb = s + y1[oy] * iw;
            float wy1 = ly[oy], wy0 = 1f - wy1;
            for (int ox = 0; ox < ow; ox++)
            {
                float wx1 = lx[ox], wx0 = 1f - wx1;
                d[ox] = wy0 * (wx0 * ra[x0[ox]] + wx1 * ra[x1[ox]]) + wy1 * (wx0 * rb[x0[ox]] + wx1 * rb[x1[ox]]);
            }
        }, minPerThread: 64);
    }

    /// <summary>Legacy 'nearest': dst itself when sizes match, dst/2 for exact doubling, else floor(dst · in/out) in float32.</summary>
    public static int NearestSource(int dst, int inSize, int outSize)
    {
        if (outSize == inSize) return dst;
        if (outSize == 2 * inSize) return dst >> 1;
        float scale = (float)inSize / outSize;
        return Math.Min((int)MathF.Floor(dst * scale), inSize - 1);
    }

    /// <summary>Per output index: the two source indices and the weight of the second, as ATen computes them.</summary>
    public static (int[] I0, int[] I1, float[] Lambda) BilinearTaps(int inSize, int outSize, bool alignCorners)
    {
        var i0 = new int[outSize]; var i1 = new int[outSize]; var l = new float[outSize];
        float scale = alignCorners ? (outSize > 1 ? (float)(inSize - 1) / (outSize - 1) : 0f) : (float)inSize / outSize;
        for (int d = 0; d < outSize; d++)
        {
            float src = alignCorners ? scale * d : MathF.Max(scale * (d + 0.5f) - 0.5f, 0f);
            int a = Math.Min((int)src, inSize - 1);
            i0[d] = a;
            i1[d] = a < inSize - 1 ? a + 1 : a;
            l[d] = src - a;
        }
        return (i0, i1, l);
    }
}
