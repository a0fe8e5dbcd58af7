using MRVS.Core.Tensors;
using MRVS.Pipeline.Media;

namespace MRVS.Pipeline.Preprocessing;

/// <summary>
/// The official eval preprocessing of a clip (reference §1.2): the size rule of <see cref="EvalResizeRule"/>,
/// Pillow's bilinear resize, ToTensor and ImageNet normalisation, stacked as [T, 3, H, W].
/// </summary>
public sealed class EvalPreprocessor(EvalResizeRule rule)
{
    /// <summary>The resize rule applied to every frame.</summary>
    public EvalResizeRule Rule { get; } = rule;

    /// <summary>The frame at the rule's size, resized as Pillow's bilinear filter does.</summary>
    public RgbFrame Resize(RgbFrame frame)
    {
        int height, width;
        try { (height, width) = Rule.OutputSize(frame.Width, frame.Height); }
        catch (MediaException e)
        {
            throw new MediaException($"frame '{frame.Name}' cannot be resized: {e.Message}", e);
        }
        return PillowBilinearResize.Resize(frame, width, height);
    }

    /// <summary>
    /// Consumes the frames one at a time, keeping only their resized bytes, so a long source is never held at
    /// full resolution. All frames must have the size of the first.
    /// </summary>
    public PreprocessedClip Preprocess(IEnumerable<RgbFrame> frames)
    {
        var resized = new List<RgbFrame>();
        (string Name, int Width, int Height)? first = null;
        foreach (var frame in frames)
        {
            first ??= (frame.Name, frame.Width, frame.Height);
            var (name, w, h) = first.Value;
            if (frame.Width != w || frame.Height != h)
                throw new MediaException($"frame '{frame.Name}' is {frame.Width}x{frame.Height}, but the clip's " +
                    $"first frame '{name}' is {w}x{h}; all frames of a clip must have one size");
            resized.Add(Resize(frame));
        }
        if (first == null) throw new MediaException("the clip has no frames");

        int height = resized[0].Height, width = resized[0].Width, plane = 3 * height * width;
        var tensor = Tensor.Zeros(DType.F32, resized.Count, 3, height, width);
        var data = tensor.Span<float>();
        for (int t = 0; t < resized.Count; t++)
            ImageNetNormalization.ToChw(resized[t].Rgb, width, height, data.Slice(t * plane, plane));
        return new PreprocessedClip(tensor, resized.ConvertAll(f => f.Name), first.Value.Height, first.Value.Width);
    }
}
