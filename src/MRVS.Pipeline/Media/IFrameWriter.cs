namespace MRVS.Pipeline.Media;

/// <summary>
/// A video file written one frame at a time, so a long video never has to be held in memory. Call
/// <see cref="Complete"/> after the last frame; disposing without it abandons the file (the caller deletes it).
/// </summary>
public interface IFrameWriter : IDisposable
{
    void Add(RgbFrame frame);
    void Complete();
}

public static class FrameWriterExtensions
{
    /// <summary>Adds every frame and completes the file.</summary>
    public static void WriteAll(this IFrameWriter writer, IEnumerable<RgbFrame> frames)
    {
        foreach (var f in frames) writer.Add(f);
        writer.Complete();
    }
}
