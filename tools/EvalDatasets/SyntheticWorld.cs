namespace MRVS.EvalDatasets;

/// <summary>
/// The scenes of the synthetic datasets, in integer arithmetic so every machine draws the same pixels: a textured
/// background, a red ball (object 1) moving right and a blue box (object 2) moving down, frame by frame.
/// </summary>
public static class SyntheticWorld
{
    public const int Width = 40, Height = 30;

    /// <summary>
    /// The object ids (0 background, 1 ball, 2 box) of frame <paramref name="t"/> of video <paramref name="video"/>.
    /// </summary>
    public static byte[] Labels(int video, int t)
    {
        var labels = new byte[Width * Height];
        int cx = 8 + 3 * t + video, cy = 10 + video % 3, r = 6;
        int bx = 24 - video, by = 4 + 2 * t;
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                if (x >= bx && x < bx + 9 && y >= by && y < by + 7) labels[y * Width + x] = 2;
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) labels[y * Width + x] = 1;
            }
        return labels;
    }

    /// <summary>RGB pixels of the frame: the objects' colours over a checker texture that shifts per video.</summary>
    public static byte[] Rgb(int video, int t)
    {
        var labels = Labels(video, t);
        var rgb = new byte[Width * Height * 3];
        for (int i = 0; i < labels.Length; i++)
        {
            int x = i % Width, y = i / Width;
            (int r, int g, int b) = labels[i] switch
            {
                1 => (220, 30, 30),
                2 => (30, 40, 210),
                _ => ((x / 4 + y / 4 + video) % 2 == 0 ? 90 : 140, 150 + 10 * (video % 4), 90),
            };
            (rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]) = ((byte)r, (byte)g, (byte)b);
        }
        return rgb;
    }

    public static byte[] Mask(int video, int t, int obj) =>
        Labels(video, t).Select(l => (byte)(l == obj ? 1 : 0)).ToArray();

    public static readonly string[] Sentences = ["the red ball rolling to the right", "the blue box moving down"];
}
