using MRVS.Pipeline.Media;

namespace MRVS.Pipeline.Preprocessing;

/// <summary>
/// The deterministic eval resize of the official code, <c>RandomResize([ShortSide], max_size=MaxSize)</c>
/// (DETR's <c>get_size_with_aspect_ratio</c>): the short side becomes <see cref="ShortSide"/> unless the long side
/// would then exceed <see cref="MaxSize"/>. The arithmetic follows Python's float semantics step by step.
/// </summary>
public sealed class EvalResizeRule
{
    /// <summary>Ref-YouTube-VOS, MeViS, Ref-DAVIS and the demo (hard-coded in the infer scripts).</summary>
    public static EvalResizeRule ReferYouTubeVos { get; } = new(360, 640);

    /// <summary>A2D-Sentences and JHMDB-Sentences.</summary>
    public static EvalResizeRule A2D { get; } = new(320, 576);

    /// <summary>What the shorter side becomes.</summary>
    public int ShortSide { get; }

    /// <summary>The longest the longer side may become.</summary>
    public int MaxSize { get; }

    /// <summary>A rule with its two sizes (both positive).</summary>
    public EvalResizeRule(int shortSide, int maxSize)
    {
        if (shortSide <= 0 || maxSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(shortSide),
                $"resize sizes must be positive (short side {shortSide}, max size {maxSize})");
        ShortSide = shortSide;
        MaxSize = maxSize;
    }

    /// <summary>The (height, width) a <paramref name="width"/> × <paramref name="height"/> frame is resized
    /// to.</summary>
    public (int Height, int Width) OutputSize(int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new MediaException($"frame size {width}x{height} must be positive");
        double min = Math.Min(width, height), max = Math.Max(width, height);
        long s = ShortSide;
        // Python: max / min * size > max_size, then int(round(max_size * min / max)) with ties to even.
        if (max / min * s > MaxSize)
            s = (long)Math.Round(MaxSize * min / max, MidpointRounding.ToEven);
        if (s == 0)
            throw new MediaException($"frame size {width}x{height}: aspect ratio too extreme for {this} (the short " +
                "side would become 0)");
        if ((width <= height && width == s) || (height <= width && height == s))
            return (height, width);
        // Python: int(size * h / w) is an exact integer product, a float division, then truncation.
        return width < height
            ? (checked((int)(s * height / (double)width)), (int)s)
            : ((int)s, checked((int)(s * width / (double)height)));
    }

    /// <summary>The rule as the official code writes it.</summary>
    public override string ToString() => $"short side {ShortSide}, max size {MaxSize}";
}
