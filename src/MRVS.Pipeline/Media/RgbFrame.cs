namespace MRVS.Pipeline.Media;

/// <summary>One decoded frame: 8-bit RGB pixels, row-major HWC (Height × Width × 3 bytes).</summary>
public sealed class RgbFrame
{
    /// <summary>Where the frame came from: the image's file stem, or a 00000-style index for GIF and video
    /// frames.</summary>
    public string Name { get; }
    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels: Height × Width × 3 bytes, R, G, B for each pixel, rows top to bottom.</summary>
    public byte[] Rgb { get; }

    /// <summary>
    /// A frame over <paramref name="rgb"/> (not copied); its length must be <paramref name="width"/> × <paramref
    /// name="height"/> × 3.
    /// </summary>
    public RgbFrame(string name, int width, int height, byte[] rgb)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(rgb);
        if (width <= 0 || height <= 0)
            throw new MediaException($"frame '{name}': size {width}x{height} must be positive");
        if (rgb.Length != (long)width * height * 3)
            throw new MediaException($"frame '{name}': {rgb.Length} bytes, expected {width}x{height}x3 = " +
                $"{(long)width * height * 3}");
        Name = name;
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    /// <summary>Name and size, for messages.</summary>
    public override string ToString() => $"{Name} ({Width}x{Height})";
}
