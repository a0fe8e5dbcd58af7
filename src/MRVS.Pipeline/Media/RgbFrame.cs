using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Pipeline.Media;

/// <summary>One decoded frame: 8-bit RGB pixels, row-major HWC (Height × Width × 3 bytes).</summary>
public sealed class RgbFrame
{
    /// <summary>Where the frame came from: the image's file stem, or a 00000-style index for GIF and video frames.</summary>
    public string Name { get; }
    public int Width { get; }
    public int Height { get; }
    public byte[] Rgb { get; }

    public RgbFrame(string name, int width, int height, byte[] rgb)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"frame '{name}': size {width}x{height} must be positive");
        if (rgb.Length != (long)width * height * 3)
            throw new ArgumentException($"frame '{name}': {rgb.Length} bytes, expected {width}x{height}x3 = {(long)width * height * 3}", nameof(rgb));
        Name = name;
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    /// <summary>A copy of an ImageSharp image's pixels.</summary>
    public static RgbFrame FromImage(Image<Rgb24> image, string name)
    {
        ArgumentNullException.ThrowIfNull(image);
        var rgb = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(rgb);
        return new RgbFrame(name, image.Width, image.Height, rgb);
    }

    public override string ToString() => $"{Name} ({Width}x{Height})";
}
