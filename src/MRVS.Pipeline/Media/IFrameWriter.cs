namespace MRVS.Pipeline.Media;

/// <summary>
/// A video file written one frame at a time, so a long video never has to be held in memory. Call
/// <see cref="Complete"/> after the last frame; disposing without it abandons the file (the caller deletes it).
/// </summary>
public interface IFrameWriter : IDisposable
{
    /// <summary>Appends a frame; all frames of a file have the first one's size.</summary>
    void Add(RgbFrame frame);
    /// <summary>Finishes the file after the last frame.</summary>
    void Complete();
}

/// <summary>Conveniences over <see cref="IFrameWriter"/>.</summary>
public static class FrameWriterExtensions
{
    /// <summary>Adds every frame and completes the file.</summary>
    public static void WriteAll(this IFrameWriter writer, IEnumerable<RgbFrame> frames)
    {
        foreach (var f in frames) writer.Add(f);
        writer.Complete();
    }
}
