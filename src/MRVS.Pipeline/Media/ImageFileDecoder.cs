using MRVS.Core.IO;
using MRVS.Core.Limits;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Pipeline.Media;

/// <summary>
/// Decodes one still image to RGB, like Pillow's <c>Image.open(p).convert('RGB')</c>: the first frame, alpha
/// dropped, grey replicated, and no EXIF orientation applied (Pillow does not apply it either). The size in the header
/// is checked against <see cref="ResourceLimits.MaxFramePixels"/> before pixels are decoded, and PNG and JPEG files
/// have their structure checked first (<see cref="PngStructure"/>, <see cref="JpegStructure"/>); GIFs go through
/// <see cref="GifDecoder"/>, everything else through ImageSharp.
/// JPEG pixels are not bit-exact with Pillow's libjpeg-turbo: ImageSharp's IDCT differs by a few levels, and its
/// chroma upsampling of 4:2:0 files is not libjpeg's "fancy" upsampling, which differs more at sharp colour edges.
/// </summary>
internal static class ImageFileDecoder
{
    public static RgbFrame Load(string path, ResourceLimits limits)
    {
        InputFile.RequireRegular(path, "image");
        var name = Path.GetFileNameWithoutExtension(path);
        if (MediaFormats.IsGif(path))
        {
            var first = GifDecoder.Frames(path, limits).First();
            return new RgbFrame(name, first.Width, first.Height, first.Rgb);
        }
        // A compressed image is no larger than its pixels (plus headers): anything bigger is not worth reading.
        var bytes = InputFile.ReadAllBytes(path, "image", Core.Errors.MrvsErrorKind.BadInput,
            4 * limits.MaxFramePixels + (1 << 20),
            nameof(ResourceLimits.MaxFramePixels));
        var format = Image.DetectFormat(bytes)
            ?? throw new MediaException($"cannot decode image '{path}': not a format ImageSharp reads " +
                $"({string.Join(", ", MediaFormats.ImageExtensions)})");
        string? problem = format.Name switch
        {
            "PNG" => PngStructure.Problem(bytes),
            "JPEG" => JpegStructure.Problem(bytes),
            _ => null,
        };
        if (problem is not null)
            throw new MediaException($"cannot decode image '{path}' ({format.Name} structure check): {problem}");
        var decoder = $"ImageSharp {format.Name} decoder";
        IImageInfo? info;
        try { info = Image.Identify(bytes); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new MediaException($"cannot decode image '{path}' ({decoder}): {e.Message}", e);
        }
        if (info is null) throw new MediaException($"cannot decode image '{path}' ({decoder}): no image header");
        limits.CheckFrame(info.Width, info.Height, $"image '{path}'");
        try
        {
            using var image = Image.Load<Rgb24>(bytes);
            return ToFrame(image.Frames.RootFrame, name);
        }
        // Whatever a third-party decoder throws on a damaged file is the file's problem, reported as such.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new MediaException($"cannot decode image '{path}' ({decoder}): {e.Message}", e);
        }
    }

    public static RgbFrame ToFrame(ImageFrame<Rgb24> frame, string name)
    {
        var rgb = new byte[frame.Width * frame.Height * 3];
        frame.CopyPixelDataTo(rgb);
        return new RgbFrame(name, frame.Width, frame.Height, rgb);
    }
}
