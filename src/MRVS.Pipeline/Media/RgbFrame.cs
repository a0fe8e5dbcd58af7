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
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(rgb);
        if (width <= 0 || height <= 0)
            throw new MediaException($"frame '{name}': size {width}x{height} must be positive");
        if (rgb.Length != (long)width * height * 3)
            throw new MediaException($"frame '{name}': {rgb.Length} bytes, expected {width}x{height}x3 = {(long)width * height * 3}");
        Name = name;
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    public override string ToString() => $"{Name} ({Width}x{Height})";
}
