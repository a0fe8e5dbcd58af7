using MRVS.Core.Tensors;

namespace MRVS.Pipeline.Preprocessing;

/// <summary>
/// A clip ready for the model: <see cref="Frames"/> is F32 [T, 3, Height, Width] (resized, normalised, unpadded);
/// the original size is where the post-processing resizes the masks back to.
/// </summary>
public sealed class PreprocessedClip(Tensor frames, IReadOnlyList<string> frameNames, int originalHeight,
    int originalWidth) : IDisposable
{
    /// <summary>F32 [T, 3, Height, Width].</summary>
    public Tensor Frames { get; } = frames;

    /// <summary>The source name of each frame (file stem or 00000-style index), in clip order.</summary>
    public IReadOnlyList<string> FrameNames { get; } = frameNames;

    /// <summary>Frames in the clip.</summary>
    public int FrameCount => Frames.Shape[0];

    /// <summary>Height after the resize.</summary>
    public int Height => Frames.Shape[2];

    /// <summary>Width after the resize.</summary>
    public int Width => Frames.Shape[3];

    /// <summary>The frames' own height.</summary>
    public int OriginalHeight { get; } = originalHeight;

    /// <summary>The frames' own width.</summary>
    public int OriginalWidth { get; } = originalWidth;

    /// <summary>Frees the tensor.</summary>
    public void Dispose() => Frames.Dispose();
}
