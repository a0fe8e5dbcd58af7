using MRVS.Core.IO;
using MRVS.Core.Limits;

namespace MRVS.Pipeline.Media;

/// <summary>
/// Where the frames of one video come from. <see cref="ReadFrames"/> decodes lazily, one frame at a time, so a
/// long video holds only what the consumer keeps; each enumeration decodes again from the start.
/// </summary>
public abstract class FrameSource
{
    /// <summary>A source described by <paramref name="description"/> in messages.</summary>
    protected FrameSource(string description) => Description = description;

    /// <summary>The input path (or the first of a list), for messages.</summary>
    public string Description { get; }

    /// <summary>The number of frames when it is known without decoding, else null.</summary>
    public abstract int? FrameCount { get; }

    /// <summary>The frame rate stored in the file (video, GIF delays), else null.</summary>
    public virtual double? FramesPerSecond => null;

    /// <summary>The frames, decoded one at a time as the caller enumerates.</summary>
    public abstract IEnumerable<RgbFrame> ReadFrames();

    /// <summary>
    /// One folder of images, one animated GIF, one video, or one image file (see the overload for lists).
    /// </summary>
    public static FrameSource Open(string path, ResourceLimits? limits = null) => Open([path], limits);

    /// <summary>
    /// One folder of images, one animated GIF, one video, or one or more image files (frames in the given order).
    /// Sizes and frame counts the input declares are checked against <paramref name="limits"/> (the defaults when
    /// null).
    /// </summary>
    public static FrameSource Open(IReadOnlyList<string> paths, ResourceLimits? limits = null)
    {
        limits ??= ResourceLimits.Default;
        if (paths.Count == 0) throw new MediaException($"no input given; expected {MediaFormats.Expected}");
        if (paths.Count > limits.MaxFrames)
            throw ResourceLimits.Exceeded($"{ResourceLimits.Count(paths.Count)} input files",
                nameof(ResourceLimits.MaxFrames),
                ResourceLimits.Count(limits.MaxFrames));
        foreach (var p in paths)
        {
            var kind = InputFile.KindOf(p);
            if (kind == FileKind.Missing) throw new MediaException($"input '{p}' does not exist");
            if (kind != FileKind.Directory) InputFile.RequireRegular(p, "input");
        }

        if (paths.Count == 1)
        {
            var path = paths[0];
            if (Directory.Exists(path)) return ImageFilesSource.FromFolder(path, limits);
            if (MediaFormats.IsGif(path)) return new AnimatedGifSource(path, limits);
            if (MediaFormats.IsVideo(path)) return FfmpegVideoSource.Probe(path, limits);
        }
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
                throw new MediaException($"input '{p}' is a folder; a list of inputs must be image files (pass a " +
                    $"folder on its own)");
            if (MediaFormats.IsVideo(p))
                throw new MediaException($"input '{p}' is a video; a list of inputs must be image files (pass a " +
                    $"video on its own)");
            if (!MediaFormats.IsImage(p))
                throw new MediaException($"input '{p}' has an unknown extension '{Path.GetExtension(p)}'; expected " +
                    $"{MediaFormats.Expected}");
        }
        return new ImageFilesSource(paths[0], paths, limits);
    }
}
