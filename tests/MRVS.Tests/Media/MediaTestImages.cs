using MRVS.Pipeline.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Tests.Media;

/// <summary>Small images for the media tests, written with ImageSharp.</summary>
public static class MediaTestImages
{
    public static RgbFrame Solid(string name, int width, int height, byte r, byte g, byte b)
    {
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < rgb.Length; i += 3) (rgb[i], rgb[i + 1], rgb[i + 2]) = (r, g, b);
        return new RgbFrame(name, width, height, rgb);
    }

    /// <summary>A PNG whose every pixel is (value, 2·value, 3·value) mod 256, so each file is recognisable.</summary>
    public static void WritePng(string path, int width, int height, byte value)
    {
        var f = Solid("", width, height, value, (byte)(2 * value), (byte)(3 * value));
        using var image = Image.LoadPixelData<Rgb24>(f.Rgb, width, height);
        image.SaveAsPng(path);
    }

    public static (byte R, byte G, byte B) Pixel(RgbFrame f, int x, int y)
    {
        int i = (y * f.Width + x) * 3;
        return (f.Rgb[i], f.Rgb[i + 1], f.Rgb[i + 2]);
    }
}
