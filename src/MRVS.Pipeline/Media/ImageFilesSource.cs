using MRVS.Core.IO;
using MRVS.Core.Limits;

namespace MRVS.Pipeline.Media;

/// <summary>Still images as frames, one file per frame: a folder in natural order, or files in the given
/// order.</summary>
public sealed class ImageFilesSource : FrameSource
{
    private readonly ResourceLimits _limits;

    internal ImageFilesSource(string description, IReadOnlyList<string> files, ResourceLimits limits)
        : base(description)
    {
        Files = files;
        _limits = limits;
    }

    /// <summary>The image files, in frame order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <inheritdoc/>
    public override int? FrameCount => Files.Count;

    /// <summary>
    /// The folder's image files sorted naturally by name; hidden files (".name") and non-regular files are skipped.
    /// </summary>
    public static ImageFilesSource FromFolder(string folder, ResourceLimits? limits = null)
    {
        limits ??= ResourceLimits.Default;
        if (!Directory.Exists(folder)) throw new MediaException($"folder '{folder}' does not exist");
        var files = Directory.EnumerateFiles(folder)
            .Where(f => MediaFormats.IsImage(f) && !Path.GetFileName(f).StartsWith('.')
                && InputFile.KindOf(f) is FileKind.Regular or FileKind.Unknown)
            .Take(limits.MaxFrames + 1)
            .OrderBy(Path.GetFileName, NaturalSortComparer.Instance)
            .ToList();
        if (files.Count == 0)
            throw new MediaException($"folder '{folder}' has no images; expected files ending in " +
                $"{string.Join(", ", MediaFormats.ImageExtensions)}");
        if (files.Count > limits.MaxFrames)
            throw ResourceLimits.Exceeded($"folder '{folder}' has more than {ResourceLimits.Count(limits.MaxFrames)} " +
                "images",
                nameof(ResourceLimits.MaxFrames), ResourceLimits.Count(limits.MaxFrames));
        return new ImageFilesSource(folder, files, limits);
    }

    /// <inheritdoc/>
    public override IEnumerable<RgbFrame> ReadFrames()
    {
        string? firstFile = null;
        int width = 0, height = 0;
        foreach (var file in Files)
        {
            var frame = ImageFileDecoder.Load(file, _limits);
            if (firstFile == null) (firstFile, width, height) = (file, frame.Width, frame.Height);
            else if (frame.Width != width || frame.Height != height)
                throw new MediaException($"image '{file}' is {frame.Width}x{frame.Height}, but the first frame " +
                    $"'{firstFile}' is {width}x{height}; all frames must have one size");
            yield return frame;
        }
    }
}
