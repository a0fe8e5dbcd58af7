using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Pipeline.Media;

/// <summary>
/// Decodes one still image to RGB, like Pillow's <c>Image.open(p).convert('RGB')</c>: the first frame, alpha
/// dropped, grey replicated, and no EXIF orientation applied (Pillow does not apply it either).
/// JPEG pixels are not bit-exact with Pillow's libjpeg-turbo: ImageSharp's IDCT differs by a few levels, and its
/// chroma upsampling of 4:2:0 files is not libjpeg's "fancy" upsampling, which differs more at sharp colour edges.
/// </summary>
internal static class ImageFileDecoder
{
    public static RgbFrame Load(string path)
    {
        try
        {
            using var image = Image.Load<Rgb24>(path);
            return ToFrame(image.Frames.RootFrame, Path.GetFileNameWithoutExtension(path));
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            throw new MediaException($"cannot decode image '{path}': {e.Message}", e);
        }
    }

    public static RgbFrame ToFrame(ImageFrame<Rgb24> frame, string name)
    {
        var rgb = new byte[frame.Width * frame.Height * 3];
        frame.CopyPixelDataTo(rgb);
        return new RgbFrame(name, frame.Width, frame.Height, rgb);
    }

    /// <summary>Failures a damaged or unsupported file can cause inside a decoder, as opposed to bugs of ours.</summary>
    public static bool IsDecodeFailure(Exception e) =>
        e is ImageFormatException or IOException or NotSupportedException or InvalidOperationException
            or ArgumentException or IndexOutOfRangeException or UnauthorizedAccessException;
}
