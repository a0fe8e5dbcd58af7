using System.Globalization;

namespace MRVS.Pipeline.Media;

/// <summary>
/// Draws a video's masks over its frames so that a person can read them: the mask tinted at 40 % in a colour that
/// contrasts with the object under it, its edge as a solid contour (1 px, 2 px from 360 px frames up), and the
/// sentence with the frame's score in the top-left corner (<see cref="BitmapFont"/> on a darkened band).
/// One instance per video: the tint is chosen on the first frame with a mask and kept, so it does not flicker.
/// </summary>
public sealed class MaskOverlay
{
    /// <summary>Candidate tints, in order of preference on ties: saturated and far from each other.</summary>
    private static readonly RgbColour[] Palette =
        [new(0, 255, 255), new(0, 255, 0), new(255, 255, 0), new(255, 0, 255)];

    private static readonly RgbColour TextColour = new(255, 255, 255);

    private readonly string _sentence;

    /// <summary>An overlay for one video.</summary>
    /// <param name="sentence">The referring sentence, drawn on every frame.</param>
    public MaskOverlay(string sentence)
    {
        ArgumentNullException.ThrowIfNull(sentence);
        _sentence = sentence;
    }

    /// <summary>The tint of this video's masks, once a frame with a mask has been drawn.</summary>
    public RgbColour? Tint { get; private set; }

    /// <summary>The frame with its mask and caption drawn; the input frame is not changed.</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="mask">Row-major, frame-sized; non-zero is foreground.</param>
    /// <param name="score">The frame's score (0–1), printed after the sentence.</param>
    public RgbFrame Render(RgbFrame frame, ReadOnlySpan<byte> mask, float score)
    {
        int w = frame.Width, h = frame.Height;
        if (mask.Length != w * h)
            throw new MediaException($"mask for frame '{frame.Name}': {mask.Length} bytes, expected {w}x{h}");
        var rgb = (byte[])frame.Rgb.Clone();
        // Sizes grow with the frame so the drawing stays readable on large videos and light on small ones.
        int scale = Math.Max(1, Math.Min(w, h) / 180), contour = Math.Min(2, scale);
        Tint ??= Contrasting(frame.Rgb, mask);
        if (Tint is { } tint) DrawMask(rgb, w, h, mask, tint, contour);
        // The characters that fit between a font pixel of margin on each side.
        int maxChars = (w / scale - 2 + 1) / BitmapFont.Advance;
        DrawCaption(rgb, w, h, Caption(_sentence, score, maxChars), scale);
        return new RgbFrame(frame.Name, w, h, rgb);
    }

    /// <summary>The palette colour farthest in RGB from the mean colour under the mask; null if it is empty.</summary>
    private static RgbColour? Contrasting(byte[] rgb, ReadOnlySpan<byte> mask)
    {
        long r = 0, g = 0, b = 0, n = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0) continue;
            r += rgb[i * 3];
            g += rgb[i * 3 + 1];
            b += rgb[i * 3 + 2];
            n++;
        }
        if (n == 0) return null;
        double Distance(RgbColour c) =>
            Math.Pow(c.R - (double)r / n, 2) + Math.Pow(c.G - (double)g / n, 2) + Math.Pow(c.B - (double)b / n, 2);
        var best = Palette[0];
        foreach (var c in Palette)
            if (Distance(c) > Distance(best)) best = c;
        return best;
    }

    /// <summary>Mask pixels within <paramref name="contour"/> city-block steps of background are the contour.</summary>
    private static void DrawMask(byte[] rgb, int w, int h, ReadOnlySpan<byte> mask, RgbColour tint, int contour)
    {
        Span<byte> colour = [tint.R, tint.G, tint.B];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                if (mask[i] == 0) continue;
                bool edge = NearBackground(mask, w, h, x, y, contour);
                for (int c = 0; c < 3; c++)
                    rgb[i * 3 + c] = edge ? colour[c] : (byte)((3 * rgb[i * 3 + c] + 2 * colour[c] + 2) / 5);
            }
    }

    /// <summary>Outside the frame counts as foreground, so a mask touching the border gets no line along it.</summary>
    private static bool NearBackground(ReadOnlySpan<byte> mask, int w, int h, int x, int y, int distance)
    {
        for (int dy = -distance; dy <= distance; dy++)
            for (int dx = Math.Abs(dy) - distance; dx <= distance - Math.Abs(dy); dx++)
            {
                int px = x + dx, py = y + dy;
                if (px >= 0 && py >= 0 && px < w && py < h && mask[py * w + px] == 0) return true;
            }
        return false;
    }

    /// <summary>
    /// <c>"sentence" 0.87</c> in at most <paramref name="maxChars"/> characters: the sentence shortened with "..."
    /// when the line would not fit, or the score alone on a frame too narrow for any of it; characters the font lacks
    /// shown as '?'.
    /// </summary>
    public static string Caption(string sentence, float score, int maxChars)
    {
        var value = " " + score.ToString("0.00", CultureInfo.InvariantCulture);
        var text = new string(sentence.Select(c => BitmapFont.Covers(c) ? c : '?').ToArray());
        if (text.Length + 2 + value.Length <= maxChars) return $"\"{text}\"{value}";
        int keep = maxChars - 5 - value.Length;
        return keep > 0 ? $"\"{text[..keep]}...\"{value}" : value.TrimStart();
    }

    /// <summary>The caption top left, on a band darkened to 40 % with one font pixel of margin around it.</summary>
    private static void DrawCaption(byte[] rgb, int w, int h, string caption, int scale)
    {
        int bandW = Math.Min(w, BitmapFont.Measure(caption, scale) + 2 * scale);
        int bandH = Math.Min(h, BitmapFont.GlyphHeight * scale + 2 * scale);
        for (int y = 0; y < bandH; y++)
            for (int i = y * w * 3; i < (y * w + bandW) * 3; i++)
                rgb[i] = (byte)(rgb[i] * 2 / 5);
        BitmapFont.Draw(rgb, w, h, caption, scale, scale, scale, TextColour);
    }
}
