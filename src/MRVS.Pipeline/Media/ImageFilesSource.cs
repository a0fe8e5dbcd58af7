namespace MRVS.Pipeline.Media;

/// <summary>Still images as frames, one file per frame: a folder in natural order, or files in the given order.</summary>
public sealed class ImageFilesSource : FrameSource
{
    internal ImageFilesSource(string description, IReadOnlyList<string> files) : base(description) => Files = files;

    public IReadOnlyList<string> Files { get; }

    public override int? FrameCount => Files.Count;

    /// <summary>The folder's image files sorted naturally by name; hidden files (".name") are skipped.</summary>
    public static ImageFilesSource FromFolder(string folder)
    {
        if (!Directory.Exists(folder)) throw new MediaException($"folder '{folder}' does not exist");
        var files = Directory.EnumerateFiles(folder)
            .Where(f => MediaFormats.IsImage(f) && !Path.GetFileName(f).StartsWith('.'))
            .OrderBy(Path.GetFileName, NaturalSortComparer.Instance)
            .ToList();
        if (files.Count == 0)
            throw new MediaException($"folder '{folder}' has no images; expected files ending in {string.Join(", ", MediaFormats.ImageExtensions)}");
        return new ImageFilesSource(folder, files);
    }

    public override IEnumerable<RgbFrame> ReadFrames()
    {
        string? firstFile = null;
        int width = 0, height = 0;
        foreach (var file in Files)
        {
            var frame = ImageFileDecoder.Load(file);
            if (firstFile == null) (firstFile, width, height) = (file, frame.Width, frame.Height);
            else if (frame.Width != width || frame.Height != height)
                throw new MediaException($"image '{file}' is {frame.Width}x{frame.Height}, but the first frame '{firstFile}' is {width}x{height}; all frames must have one size");
            yield return frame;
        }
    }
}
