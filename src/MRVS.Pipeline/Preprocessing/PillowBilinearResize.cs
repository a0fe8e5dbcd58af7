using MRVS.Pipeline.Media;

namespace MRVS.Pipeline.Preprocessing;

/// <summary>
/// Pillow's <c>Image.resize(size, BILINEAR)</c> for 8-bit images, bit-exact (libImaging/Resample.c, Pillow 9.x):
/// an antialiased separable triangle filter whose support grows with the downscale factor, double-precision
/// weights quantised to 22-bit fixed point, a horizontal pass into a uint8 intermediate, then a vertical pass.
/// </summary>
public static class PillowBilinearResize
{
    // Resample.c: PRECISION_BITS = 32 - 8 - 2, so 255 · Σk fits in an int32 accumulator.
    private const int PrecisionBits = 22;
    private const int Half = 1 << (PrecisionBits - 1);

    /// <summary>Resizes a frame; the same size returns a copy, as Pillow does.</summary>
    public static RgbFrame Resize(RgbFrame frame, int outWidth, int outHeight) =>
        new(frame.Name, outWidth, outHeight, Resize(frame.Rgb, frame.Width, frame.Height, 3, outWidth, outHeight));

    /// <summary>Resizes an interleaved HWC image of <paramref name="channels"/> bytes per pixel; channels are
    /// independent.</summary>
    public static byte[] Resize(ReadOnlySpan<byte> src, int width, int height, int channels, int outWidth,
        int outHeight)
    {
        if (width <= 0 || height <= 0 || outWidth <= 0 || outHeight <= 0 || channels <= 0)
            throw new ArgumentOutOfRangeException(nameof(outWidth),
                $"cannot resize {width}x{height}x{channels} to {outWidth}x{outHeight}");
        if (src.Length != (long)width * height * channels)
            throw new ArgumentException($"{src.Length} bytes for a {width}x{height}x{channels} image", nameof(src));

        bool horizontal = outWidth != width, vertical = outHeight != height;
        if (!horizontal && !vertical) return src.ToArray();

        var columns = ResampleWeights.For(width, outWidth);
        var rows = ResampleWeights.For(height, outHeight);
        if (!vertical) return ResampleHorizontal(src, width, channels, columns, 0, height);

        // Pillow runs the horizontal pass only over the source rows the vertical pass reads.
        int firstRow = rows.Start[0];
        int endRow = rows.Start[outHeight - 1] + rows.Count[outHeight - 1];
        if (!horizontal) return ResampleVertical(src[(firstRow * width * channels)..], width, channels, rows, firstRow);
        var intermediate = ResampleHorizontal(src, width, channels, columns, firstRow, endRow - firstRow);
        return ResampleVertical(intermediate, outWidth, channels, rows, firstRow);
    }

    private static byte[] ResampleHorizontal(ReadOnlySpan<byte> src, int width, int channels, ResampleWeights columns,
        int firstRow, int rowCount)
    {
        int outWidth = columns.OutSize;
        var dst = new byte[rowCount * outWidth * channels];
        for (int y = 0; y < rowCount; y++)
        {
            var srcRow = src.Slice((firstRow + y) * width * channels, width * channels);
            var dstRow = dst.AsSpan(y * outWidth * channels, outWidth * channels);
            for (int xo = 0; xo < outWidth; xo++)
            {
                var k = columns.Kernel(xo);
                int start = columns.Start[xo];
                for (int c = 0; c < channels; c++)
                {
                    int acc = Half;
                    for (int i = 0; i < k.Length; i++) acc += srcRow[(start + i) * channels + c] * k[i];
                    dstRow[xo * channels + c] = Clip8(acc);
                }
            }
        }
        return dst;
    }

    /// <summary><paramref name="src"/> starts at source row <paramref name="firstRow"/>.</summary>
    private static byte[] ResampleVertical(ReadOnlySpan<byte> src, int width, int channels, ResampleWeights rows,
        int firstRow)
    {
        int stride = width * channels;
        var dst = new byte[rows.OutSize * stride];
        for (int yo = 0; yo < rows.OutSize; yo++)
        {
            var k = rows.Kernel(yo);
            int start = rows.Start[yo] - firstRow;
            var dstRow = dst.AsSpan(yo * stride, stride);
            for (int x = 0; x < stride; x++)
            {
                int acc = Half;
                for (int i = 0; i < k.Length; i++) acc += src[(start + i) * stride + x] * k[i];
                dstRow[x] = Clip8(acc);
            }
        }
        return dst;
    }

    private static byte Clip8(int acc) =>
        acc >= 255 << PrecisionBits ? (byte)255 : acc <= 0 ? (byte)0 : (byte)(acc >> PrecisionBits);

    /// <summary>Per output index: the first source index, the tap count and the fixed-point taps
    /// (precompute_coeffs).</summary>
    private sealed class ResampleWeights
    {
        public required int OutSize { get; init; }
        public required int MaxTaps { get; init; }
        public required int[] Start { get; init; }
        public required int[] Count { get; init; }
        public required int[] Taps { get; init; }

        public ReadOnlySpan<int> Kernel(int outIndex) => Taps.AsSpan(outIndex * MaxTaps, Count[outIndex]);

        public static ResampleWeights For(int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = 1.0 * filterScale; // the bilinear (triangle) filter has support 1
            double inverseFilterScale = 1.0 / filterScale;
            int maxTaps = (int)Math.Ceiling(support) * 2 + 1;
            var start = new int[outSize];
            var count = new int[outSize];
            var taps = new int[outSize * maxTaps];
            var weights = new double[maxTaps];
            for (int o = 0; o < outSize; o++)
            {
                double center = (o + 0.5) * scale;
                // C casts truncate toward zero; the + 0.5 rounds the bounds.
                int min = Math.Max((int)(center - support + 0.5), 0);
                int end = Math.Min((int)(center + support + 0.5), inSize);
                int n = end - min;
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    // Resample.c multiplies by 1 / filterscale rather than dividing; kept for bit-exact weights.
                    weights[i] = Triangle((i + min - center + 0.5) * inverseFilterScale);
                    sum += weights[i];
                }
                for (int i = 0; i < n; i++)
                {
                    double w = sum != 0.0 ? weights[i] / sum : weights[i];
                    taps[o * maxTaps + i] = w < 0
                        ? (int)(-0.5 + w * (1 << PrecisionBits))
                        : (int)(0.5 + w * (1 << PrecisionBits));
                }
                start[o] = min;
                count[o] = n;
            }
            return new ResampleWeights
            {
                OutSize = outSize,
                MaxTaps = maxTaps,
                Start = start,
                Count = count,
                Taps =
                taps
            };
        }

        private static double Triangle(double x)
        {
            x = Math.Abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        }
    }
}
