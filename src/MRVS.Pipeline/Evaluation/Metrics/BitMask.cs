using System.Numerics;
using System.Runtime.Intrinsics;

namespace MRVS.Pipeline.Evaluation.Metrics;

/// <summary>
/// A binary mask packed 64 pixels to a word, row by row (bit x % 64 of word x / 64 is pixel x; bits past the width
/// stay 0). The DAVIS measures work on whole words: a 1280×720 frame is 720 rows of 20 words.
/// </summary>
public sealed class BitMask
{
    private BitMask(int height, int width)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"mask size {width}x{height} must be positive");
        Height = height;
        Width = width;
        Words = (width + 63) / 64;
        Bits = new ulong[(long)Words * height];
    }

    /// <summary>Rows.</summary>
    public int Height { get; }
    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Words per row.</summary>
    public int Words { get; }

    /// <summary>The bits, row by row, each row padded to whole 64-bit words (bit x of a row is bit x % 64 of word x /
    /// 64).</summary>
    public ulong[] Bits { get; }

    /// <summary>The words of row <paramref name="y"/>.</summary>
    public Span<ulong> Row(int y) => Bits.AsSpan(y * Words, Words);

    /// <summary>A mask with no pixel set.</summary>
    public static BitMask Empty(int height, int width) => new(height, width);

    /// <summary>Pixels equal to <paramref name="value"/>, or non-zero pixels when it is null.</summary>
    public static BitMask FromPixels(ReadOnlySpan<byte> pixels, int height, int width, byte? value = null)
    {
        if (pixels.Length != (long)height * width)
            throw new ArgumentException($"{pixels.Length} pixels, expected {width}x{height}", nameof(pixels));
        var m = new BitMask(height, width);
        for (int y = 0; y < height; y++)
        {
            var src = pixels.Slice(y * width, width);
            var row = m.Row(y);
            int x = 0;
            for (; x + 64 <= width; x += 64) row[x >> 6] = PackWord(src.Slice(x, 64), value);
            for (; x < width; x++)
                if (value is { } v ? src[x] == v : src[x] != 0) row[x >> 6] |= 1UL << (x & 63);
        }
        return m;
    }

    /// <summary>64 pixels to one word: byte compares, and their sign bits gathered 16 at a time.</summary>
    private static ulong PackWord(ReadOnlySpan<byte> pixels, byte? value)
    {
        ulong word = 0;
        for (int k = 0; k < 4; k++)
        {
            var v = Vector128.Create(pixels.Slice(16 * k, 16));
            var hit = value is { } b
                ? Vector128.Equals(v, Vector128.Create(b))
                : ~Vector128.Equals(v, Vector128<byte>.Zero);
            word |= (ulong)hit.ExtractMostSignificantBits() << (16 * k);
        }
        return word;
    }

    /// <summary>Whether pixel (x, y) is set.</summary>
    public bool this[int y, int x] => (Bits[y * Words + (x >> 6)] >> (x & 63) & 1) != 0;

    /// <summary>The number of pixels set.</summary>
    public long Count()
    {
        long n = 0;
        foreach (var w in Bits) n += BitOperations.PopCount(w);
        return n;
    }

    /// <summary>
    /// Pixels set here and not in <paramref name="other"/> (DAVIS: a mask with its void pixels removed).
    /// </summary>
    public BitMask AndNot(BitMask other)
    {
        CheckSize(other);
        var r = new BitMask(Height, Width);
        for (int i = 0; i < Bits.Length; i++) r.Bits[i] = Bits[i] & ~other.Bits[i];
        return r;
    }

    /// <summary>|this ∧ other ∧ ¬exclude| and |(this ∨ other) ∧ ¬exclude|.</summary>
    public (long Intersection, long Union) Overlap(BitMask other, BitMask? exclude = null)
    {
        CheckSize(other);
        if (exclude != null) CheckSize(exclude);
        long inter = 0, union = 0;
        for (int i = 0; i < Bits.Length; i++)
        {
            ulong keep = exclude is null ? ~0UL : ~exclude.Bits[i];
            inter += BitOperations.PopCount(Bits[i] & other.Bits[i] & keep);
            union += BitOperations.PopCount((Bits[i] | other.Bits[i]) & keep);
        }
        return (inter, union);
    }

    internal void CheckSize(BitMask other)
    {
        if (other.Height != Height || other.Width != Width)
            throw new ArgumentException($"mask sizes differ: {Width}x{Height} and {other.Width}x{other.Height}");
    }

    /// <summary>Mask of the valid bits of a row's last word.</summary>
    internal ulong LastWordMask => Width % 64 == 0 ? ~0UL : (1UL << (Width % 64)) - 1;
}
