using MRVS.Pipeline.Media;

namespace MRVS.Pipeline.Segmentation;

/// <summary>The smallest axis-aligned rectangle holding every mask pixel (X, Y of its top-left pixel; inclusive
/// size).</summary>
public readonly record struct MaskBox(int X, int Y, int Width, int Height);

/// <summary>
/// One frame's result: its binary mask at the frame's own size (row-major, 1 = the referred object), the score of
/// the referred object in this frame (sigmoid of the chosen query's class logit), the mask's area and box, and the
/// clip (forward) it came from.
/// </summary>
public sealed record SegmentedFrame(int Index, RgbFrame Frame, byte[] Mask, float Score, long Area, MaskBox? Box,
    int Clip)
{
    /// <summary>The frame's name (file stem, or its 00000-style index).</summary>
    public string Name => Frame.Name;

    /// <summary>The frame's (and the mask's) width.</summary>
    public int Width => Frame.Width;

    /// <summary>The frame's (and the mask's) height.</summary>
    public int Height => Frame.Height;

    internal static SegmentedFrame Create(int index, RgbFrame frame, byte[] mask, float score, int clip)
    {
        long area = 0;
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        for (int y = 0; y < frame.Height; y++)
            for (int x = 0; x < frame.Width; x++)
            {
                if (mask[y * frame.Width + x] == 0) continue;
                area++;
                x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
            }
        return new SegmentedFrame(index, frame, mask, score, area, area == 0 ? null : new MaskBox(x0, y0, x1 - x0 + 1,
            y1 - y0 + 1), clip);
    }
}
