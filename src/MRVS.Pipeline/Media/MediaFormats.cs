namespace MRVS.Pipeline.Media;

/// <summary>The file kinds the loader accepts, by extension (case-insensitive).</summary>
public static class MediaFormats
{
    /// <summary>Still images ImageSharp decodes; a .gif given on its own is read as an animation instead.</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } =
        [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff", ".tga", ".pbm", ".pgm", ".ppm"];

    /// <summary>Containers decoded through an ffmpeg child process.</summary>
    public static IReadOnlyList<string> VideoExtensions { get; } =
        [".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".wmv", ".flv"];

    /// <summary>Whether the path has a still-image extension.</summary>
    public static bool IsImage(string path) => HasExtension(path, ImageExtensions);
    /// <summary>Whether the path has a video extension.</summary>
    public static bool IsVideo(string path) => HasExtension(path, VideoExtensions);
    /// <summary>Whether the path ends in .gif.</summary>
    public static bool IsGif(string path) => Path.GetExtension(path).Equals(".gif", StringComparison.OrdinalIgnoreCase);

    /// <summary>A phrase listing what is accepted, for error messages.</summary>
    public static string Expected =>
        $"a folder of images, image files ({string.Join(", ", ImageExtensions)}), an animated .gif, or a video " +
            $"({string.Join(", ", VideoExtensions)})";

    private static bool HasExtension(string path, IReadOnlyList<string> extensions)
    {
        var ext = Path.GetExtension(path);
        foreach (var e in extensions)
            if (ext.Equals(e, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
