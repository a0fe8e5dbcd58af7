using System.Globalization;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Segmentation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Pipeline.ImageSharp;

/// <summary>
/// ImageSharp (2.1) images as <see cref="RgbFrame"/>s, for applications that already hold frames as ImageSharp images.
/// Kept apart from the rest of the API, whose signatures use only MRVS types, so that an application is free to
/// work with other image libraries.
/// </summary>
public static class ImageSharpFrames
{
    /// <summary>A copy of the image's pixels as a frame called <paramref name="name"/>.</summary>
    public static RgbFrame ToRgbFrame(this Image<Rgb24> image, string name)
    {
        ArgumentNullException.ThrowIfNull(image);
        var rgb = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(rgb);
        return new RgbFrame(name, image.Width, image.Height, rgb);
    }

    /// <summary>
    /// The images as frames named by their 00000-style index, converted one at a time as they are read.
    /// </summary>
    public static IEnumerable<RgbFrame> ToRgbFrames(this IEnumerable<Image<Rgb24>> images) =>
        images.Select((image, i) => image.ToRgbFrame(i.ToString("D5", CultureInfo.InvariantCulture)));

    /// <summary><see cref="Segmenter.Segment"/> for ImageSharp images.</summary>
    public static SegmentationResult Segment(this Segmenter segmenter, IEnumerable<Image<Rgb24>> frames, string text,
        CancellationToken cancel = default) =>
        segmenter.Segment(frames.ToRgbFrames(), text, cancel);

    /// <summary>
    /// <see cref="Segmenter.SegmentAsync(IEnumerable{RgbFrame}, string, CancellationToken)"/> for ImageSharp images.
    /// </summary>
    public static Task<SegmentationResult> SegmentAsync(this Segmenter segmenter, IEnumerable<Image<Rgb24>> frames,
        string text, CancellationToken cancel = default) =>
        segmenter.SegmentAsync(frames.ToRgbFrames(), text, cancel);
}
