namespace MRVS.Pipeline.Media;

/// <summary>Draws a mask over its frame: the masked area tinted red at 50 %, its boundary solid red.</summary>
public static class MaskOverlay
{
    private static readonly byte[] Tint = [255, 0, 0];

    /// <summary>A copy of <paramref name="frame"/> with <paramref name="mask"/> drawn over it.</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="mask">Row-major, frame-sized; non-zero is foreground.</param>
    public static RgbFrame Render(RgbFrame frame, ReadOnlySpan<byte> mask)
    {
        int w = frame.Width, h = frame.Height;
        if (mask.Length != w * h)
            throw new MediaException($"mask for frame '{frame.Name}': {mask.Length} bytes, expected {w}x{h}");
        var rgb = (byte[])frame.Rgb.Clone();
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                if (mask[i] == 0) continue;
                bool boundary = IsBackground(mask, w, h, x - 1, y) || IsBackground(mask, w, h, x + 1, y)
                    || IsBackground(mask, w, h, x, y - 1) || IsBackground(mask, w, h, x, y + 1);
                for (int c = 0; c < 3; c++)
                    rgb[i * 3 + c] = boundary ? Tint[c] : (byte)((rgb[i * 3 + c] + Tint[c] + 1) >> 1);
            }
        }
        return new RgbFrame(frame.Name, w, h, rgb);
    }

    /// <summary>Outside the frame counts as foreground, so a mask touching the border gets no line along it.</summary>
    private static bool IsBackground(ReadOnlySpan<byte> mask, int w, int h, int x, int y) =>
        x >= 0 && y >= 0 && x < w && y < h && mask[y * w + x] == 0;
}
