using System.Numerics;

namespace MRVS.Pipeline.Evaluation.Metrics;

/// <summary>
/// The boundary tools of <c>davis2017/metrics.py</c> on bit-packed masks: <c>_seg2bmap</c> (a pixel is on the
/// boundary when it differs from its right, bottom or bottom-right neighbour, a missing neighbour being 0; the last
/// row compares only with the right neighbour, the last column only with the one below, the bottom-right pixel never)
/// and <c>cv2.dilate</c> with scikit-image's <c>disk(r)</c> (offsets with dx² + dy² ≤ r²; pixels outside the image
/// do not contribute). Rows are shifted a word at a time, so a frame costs rows × words × radius word operations.
/// </summary>
public static class Boundary
{
    /// <summary>_seg2bmap at the mask's own size.</summary>
    public static BitMask Map(BitMask seg)
    {
        int h = seg.Height, w = seg.Width, words = seg.Words;
        var b = BitMask.Empty(h, w);
        var zero = new ulong[words];
        int lastWord = (w - 1) >> 6;
        ulong lastBit = 1UL << ((w - 1) & 63);
        for (int y = 0; y < h; y++)
        {
            ReadOnlySpan<ulong> r = seg.Row(y), s = y + 1 < h ? seg.Row(y + 1) : zero;
            var o = b.Row(y);
            for (int i = 0; i < words; i++)
            {
                ulong east = ShiftTowardOrigin(r, i), southEast = ShiftTowardOrigin(s, i);
                o[i] = y + 1 < h ? (r[i] ^ east) | (r[i] ^ s[i]) | (r[i] ^ southEast) : r[i] ^ east;
            }
            // The last column compares with the pixel below only; the bottom-right pixel is never a boundary.
            bool last = y + 1 < h && ((r[lastWord] ^ s[lastWord]) & lastBit) != 0;
            o[lastWord] = last ? o[lastWord] | lastBit : o[lastWord] & ~lastBit;
        }
        return b;
    }

    /// <summary>Bit x of the result is bit x + 1 of the row (the right neighbour), for word i.</summary>
    private static ulong ShiftTowardOrigin(ReadOnlySpan<ulong> row, int i) =>
        (row[i] >> 1) | (i + 1 < row.Length ? row[i + 1] << 63 : 0);

    /// <summary>Half widths of the disk's rows: for dy in [-r, r], the largest dx with dx² + dy² ≤ r².</summary>
    public static int[] DiskHalfWidths(int radius)
    {
        var widths = new int[2 * radius + 1];
        for (int dy = -radius; dy <= radius; dy++)
        {
            int dx = (int)Math.Sqrt((double)radius * radius - (double)dy * dy);
            while ((long)(dx + 1) * (dx + 1) + (long)dy * dy <= (long)radius * radius) dx++;
            while (dx > 0 && (long)dx * dx + (long)dy * dy > (long)radius * radius) dx--;
            widths[dy + radius] = dx;
        }
        return widths;
    }

    /// <summary>
    /// |<paramref name="other"/> ∧ dilate(<paramref name="mask"/>, disk(radius))|: the matched boundary pixels,
    /// without building the dilated image.
    /// </summary>
    public static long CountWithinDilation(BitMask mask, int radius, BitMask other)
    {
        mask.CheckSize(other);
        int h = mask.Height, words = mask.Words;
        var halfWidths = DiskHalfWidths(radius);
        // Horizontal dilations of every non-empty row by 0..radius pixels, computed incrementally.
        var spread = new ulong[h][]!;
        for (int y = 0; y < h; y++)
        {
            var row = mask.Row(y);
            if (!row.ContainsAnyExcept(0UL)) continue;
            var levels = new ulong[(radius + 1) * words];
            row.CopyTo(levels);
            for (int k = 1; k <= radius; k++)
            {
                var prev = levels.AsSpan((k - 1) * words, words);
                var cur = levels.AsSpan(k * words, words);
                for (int i = 0; i < words; i++) cur[i] = prev[i] | ShiftedWord(row, i, k) | ShiftedWord(row, i, -k);
                cur[words - 1] &= mask.LastWordMask;
            }
            spread[y] = levels;
        }
        long count = 0;
        var acc = new ulong[words];
        for (int y = 0; y < h; y++)
        {
            var target = other.Row(y);
            if (!target.ContainsAnyExcept(0UL)) continue;
            Array.Clear(acc);
            bool any = false;
            for (int dy = -radius; dy <= radius; dy++)
            {
                int sy = y + dy;
                if (sy < 0 || sy >= h || spread[sy] is not { } levels) continue;
                var src = levels.AsSpan(halfWidths[dy + radius] * words, words);
                for (int i = 0; i < words; i++) acc[i] |= src[i];
                any = true;
            }
            if (!any) continue;
            for (int i = 0; i < words; i++) count += BitOperations.PopCount(acc[i] & target[i]);
        }
        return count;
    }

    /// <summary>Word i of the row moved by <paramref name="k"/> pixels (positive: toward higher x).</summary>
    private static ulong ShiftedWord(ReadOnlySpan<ulong> row, int i, int k)
    {
        int distance = Math.Abs(k), q = distance >> 6, b = distance & 63;
        if (k > 0)
        {
            int j = i - q;
            if (j < 0) return 0;
            ulong v = row[j] << b;
            if (b != 0 && j - 1 >= 0) v |= row[j - 1] >> (64 - b);
            return v;
        }
        else
        {
            int j = i + q;
            if (j >= row.Length) return 0;
            ulong v = row[j] >> b;
            if (b != 0 && j + 1 < row.Length) v |= row[j + 1] << (64 - b);
            return v;
        }
    }
}
