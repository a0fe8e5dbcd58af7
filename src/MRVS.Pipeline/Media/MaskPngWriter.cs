using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Pipeline.Media;

/// <summary>Writes a binary mask as an 8-bit grayscale PNG: 255 where the mask is non-zero, 0 elsewhere.</summary>
public static class MaskPngWriter
{
    private static readonly PngEncoder Encoder = new()
    {
        ColorType = PngColorType.Grayscale,
        BitDepth =
        PngBitDepth.Bit8
    };

    /// <summary>Writes <paramref name="mask"/> to <paramref name="path"/>.</summary>
    /// <param name="path">The PNG to create.</param>
    /// <param name="width">Mask width.</param>
    /// <param name="height">Mask height.</param>
    /// <param name="mask">Row-major, <paramref name="width"/> × <paramref name="height"/> bytes (the original frame
    /// size).</param>
    public static void Write(string path, ReadOnlySpan<byte> mask, int width, int height)
    {
        if (width <= 0 || height <= 0 || mask.Length != (long)width * height)
            throw new MediaException($"mask for '{path}': {mask.Length} bytes, expected {width}x{height}");
        var pixels = new byte[mask.Length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = mask[i] != 0 ? (byte)255 : (byte)0;
        using var image = Image.LoadPixelData<L8>(pixels, width, height);
        try { image.SaveAsPng(path, Encoder); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException($"cannot write mask PNG '{path}': {e.Message}", e);
        }
    }
}
