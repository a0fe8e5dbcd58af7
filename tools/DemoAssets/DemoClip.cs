using MRVS.Pipeline.Media;

namespace MRVS.DemoAssets;

/// <summary>
/// The demo clip: a red ball bouncing left to right over a tiled floor below a striped wall, while a blue box
/// slides the other way. Flat colours without anti-aliasing keep every frame under 256 colours, so the GIF
/// palette is exact and the file small.
/// </summary>
public static class DemoClip
{
    public const int Frames = 24, Width = 160, Height = 120;
    public const double FramesPerSecond = 12;

    private const int Horizon = 45, Tile = 10, BallRadius = 11;

    private static readonly byte[] WallLight = [150, 172, 196], WallDark = [138, 160, 184];
    private static readonly byte[] FloorLight = [206, 194, 160], FloorDark = [186, 174, 142], Shadow = [140, 130, 104];
    private static readonly byte[] Ball = [214, 36, 36], BallHighlight = [255, 150, 140];
    private static readonly byte[] Box = [48, 84, 190], BoxTop = [92, 128, 226];

    public static IEnumerable<RgbFrame> Create()
    {
        for (int f = 0; f < Frames; f++) yield return Draw(f);
    }

    private static RgbFrame Draw(int f)
    {
        var rgb = new byte[Width * Height * 3];
        void Set(int x, int y, byte[] c)
        {
            if (x < 0 || x >= Width || y < 0 || y >= Height) return;
            c.CopyTo(rgb, (y * Width + x) * 3);
        }

        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
                Set(x, y, y < Horizon
                    ? (x / 6 % 2 == 0 ? WallLight : WallDark)
                    : ((x / Tile + (y - Horizon) / Tile) % 2 == 0 ? FloorLight : FloorDark));

        // The box slides right to left along the back of the floor, drawn first so the ball passes in front.
        int boxX = 130 - f * 4, boxY = Horizon - 6;
        for (int y = boxY; y < boxY + 26; y++)
            for (int x = boxX; x < boxX + 24; x++)
                Set(x, y, y < boxY + 5 ? BoxTop : Box);

        // The ball bounces three times while crossing; its shadow stays on the floor.
        double t = f / (double)(Frames - 1);
        int cx = 16 + (int)Math.Round(t * 128), floorY = 100;
        int cy = floorY - BallRadius - (int)Math.Round(38 * Math.Abs(Math.Sin(t * 3 * Math.PI)));
        for (int y = floorY - 3; y <= floorY + 3; y++)
            for (int x = cx - 12; x <= cx + 12; x++)
                if ((x - cx) * (x - cx) * 9 + (y - floorY) * (y - floorY) * 144 <= 1296) Set(x, y, Shadow);
        for (int y = cy - BallRadius; y <= cy + BallRadius; y++)
            for (int x = cx - BallRadius; x <= cx + BallRadius; x++)
            {
                int dx = x - cx, dy = y - cy;
                if (dx * dx + dy * dy > BallRadius * BallRadius) continue;
                bool highlight = (dx + 4) * (dx + 4) + (dy + 4) * (dy + 4) <= 9;
                Set(x, y, highlight ? BallHighlight : Ball);
            }
        return new RgbFrame($"{f:D5}", Width, Height, rgb);
    }
}
