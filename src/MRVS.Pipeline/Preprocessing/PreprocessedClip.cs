using MRVS.Core.Tensors;

namespace MRVS.Pipeline.Preprocessing;

/// <summary>
/// A clip ready for the model: <see cref="Frames"/> is F32 [T, 3, Height, Width] (resized, normalised, unpadded);
/// the original size is where the post-processing resizes the masks back to.
/// </summary>
public sealed class PreprocessedClip(Tensor frames, IReadOnlyList<string> frameNames, int originalHeight, int originalWidth) : IDisposable
{
    public Tensor Frames { get; } = frames;

    /// <summary>The source name of each frame (file stem or 00000-style index), in clip order.</summary>
    public IReadOnlyList<string> FrameNames { get; } = frameNames;

    public int FrameCount => Frames.Shape[0];
    public int Height => Frames.Shape[2];
    public int Width => Frames.Shape[3];
    public int OriginalHeight { get; } = originalHeight;
    public int OriginalWidth { get; } = originalWidth;

    public void Dispose() => Frames.Dispose();
}
