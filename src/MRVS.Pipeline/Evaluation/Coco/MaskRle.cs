using System.Text;
using MRVS.Pipeline.Evaluation.Metrics;

namespace MRVS.Pipeline.Evaluation.Coco;

/// <summary>
/// A mask in COCO's run-length encoding (pycocotools' <c>mask.encode</c>): runs over the pixels in column-major
/// (Fortran) order, alternating background and foreground, starting with background. <see cref="Compressed"/> is the
/// string form of COCO JSON files: each count, minus the count two before it from the third on, in 5-bit groups
/// with a continuation bit, offset by 48.
/// </summary>
public sealed record MaskRle(int Height, int Width, long[] Counts)
{
    /// <summary>Foreground pixels (the sum of the odd runs).</summary>
    public long Area
    {
        get
        {
            long a = 0;
            for (int i = 1; i < Counts.Length; i += 2) a += Counts[i];
            return a;
        }
    }

    /// <summary>The run-length encoding of a mask (column-major runs, as pycocotools').</summary>
    /// <param name="mask">Row-major H×W, non-zero = foreground.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    public static MaskRle Encode(ReadOnlySpan<byte> mask, int height, int width)
    {
        if (mask.Length != (long)height * width)
            throw new ArgumentException($"{mask.Length} pixels, expected {width}x{height}", nameof(mask));
        var counts = new List<long>();
        bool current = false;
        long run = 0;
        for (int x = 0; x < width; x++)
            for (int y = 0; y < height; y++)
            {
                bool v = mask[y * width + x] != 0;
                if (v != current)
                {
                    counts.Add(run);
                    run = 0;
                    current = v;
                }
                run++;
            }
        counts.Add(run);
        return new MaskRle(height, width, counts.ToArray());
    }

    /// <summary>The mask as bits.</summary>
    public BitMask ToBitMask()
    {
        var pixels = new byte[Height * Width];
        long at = 0;
        for (int i = 0; i < Counts.Length; i++)
        {
            if (at + Counts[i] > pixels.Length)
                throw new InvalidDataException($"RLE counts cover more than the {Width}x{Height} mask");
            if (i % 2 == 1)
                for (long p = at; p < at + Counts[i]; p++) pixels[(p % Height) * Width + p / Height] = 1;
            at += Counts[i];
        }
        if (at != pixels.Length)
            throw new InvalidDataException($"RLE counts cover {at} pixels, the mask has {pixels.Length}");
        return BitMask.FromPixels(pixels, Height, Width);
    }

    /// <summary>The counts in COCO's compressed string form (pycocotools' <c>rleToString</c>).</summary>
    public string Compressed
    {
        get
        {
            var s = new StringBuilder();
            for (int i = 0; i < Counts.Length; i++)
            {
                long x = Counts[i];
                if (i > 2) x -= Counts[i - 2];
                bool more = true;
                while (more)
                {
                    long c = x & 0x1f;
                    x >>= 5;
                    more = (c & 0x10) != 0 ? x != -1 : x != 0;
                    if (more) c |= 0x20;
                    s.Append((char)(c + 48));
                }
            }
            return s.ToString();
        }
    }

    /// <summary>
    /// The mask of a compressed counts string (pycocotools' <c>rleFrString</c>) of a height × width mask; the counts
    /// must cover the mask exactly (<see cref="InvalidDataException"/> otherwise).
    /// </summary>
    public static MaskRle FromCompressed(string s, int height, int width)
    {
        var counts = new List<long>();
        int p = 0;
        while (p < s.Length)
        {
            long x = 0;
            int k = 0;
            bool more = true;
            while (more)
            {
                if (p >= s.Length) throw new InvalidDataException("RLE string ends inside a count");
                long c = s[p] - 48;
                x |= (c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            }
            if (counts.Count > 2) x += counts[^2];
            if (x < 0 || x > (long)height * width)
                throw new InvalidDataException($"RLE count {counts.Count} is {x}, outside the {width}x{height} mask");
            counts.Add(x);
        }
        long covered = 0;
        foreach (var c in counts) covered += c;
        if (covered != (long)height * width)
            throw new InvalidDataException($"RLE counts cover {covered} pixels, the {width}x{height} mask has " +
                $"{(long)height * width}");
        return new MaskRle(height, width, counts.ToArray());
    }
}
