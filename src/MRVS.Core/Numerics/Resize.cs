namespace MRVS.Core.Numerics;

/// <summary>
/// PyTorch's float32 source-index rules for F.interpolate (the C# side of kernels/include/mrvs_resize.h), shared by
/// the CPU resize kernels and the host post-processing.
/// </summary>
public static class Resize
{
    /// <summary>
    /// Legacy 'nearest': dst itself when sizes match, dst/2 for exact doubling, else floor(dst · in/out) in float32.
    /// </summary>
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

    /// <summary>
    /// Bilinear resize of <paramref name="planes"/> row-major [ih, iw] planes to [oh, ow], row by row.
    /// </summary>
    public static void Bilinear(ReadOnlySpan<float> src, Span<float> dst, int planes, int ih, int iw, int oh, int ow,
        bool alignCorners)
    {
        var (y0, y1, ly) = BilinearTaps(ih, oh, alignCorners);
        var columns = BilinearTaps(iw, ow, alignCorners);
        for (int r = 0; r < planes * oh; r++)
        {
            var plane = src.Slice(r / oh * ih * iw, ih * iw);
            int oy = r % oh;
            BilinearRow(plane.Slice(y0[oy] * iw, iw), plane.Slice(y1[oy] * iw, iw), ly[oy], columns,
                dst.Slice(r * ow, ow));
        }
    }

    /// <summary>
    /// One output row of a bilinear resize, in ATen's order of operations: source rows <paramref name="a"/> (tap i0)
    /// and <paramref name="b"/> (tap i1, weight <paramref name="ly"/>), the column taps of <see cref="BilinearTaps"/>.
    /// </summary>
    public static void BilinearRow(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float ly,
        (int[] I0, int[] I1, float[] Lambda) columns,
        Span<float> dst)
    {
        var (x0, x1, lx) = columns;
        float wy0 = 1f - ly;
        for (int ox = 0; ox < dst.Length; ox++)
        {
            float wx1 = lx[ox], wx0 = 1f - wx1;
            dst[ox] = wy0 * (wx0 * a[x0[ox]] + wx1 * a[x1[ox]]) + ly * (wx0 * b[x0[ox]] + wx1 * b[x1[ox]]);
        }
    }
}
