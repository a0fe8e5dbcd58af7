using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Pipeline.Media;

/// <summary>
/// The frames of an animated GIF, each composited onto the full canvas (the decoder applies the frame offsets and
/// disposal modes). The decoder holds the whole animation while it is read; GIFs are short.
/// </summary>
public sealed class AnimatedGifSource : FrameSource
{
    private readonly GifTimeline? _timeline;

    public AnimatedGifSource(string path) : base(path)
    {
        if (!File.Exists(path)) throw new MediaException($"GIF '{path}' does not exist");
        GifPath = path;
        _timeline = GifTimeline.Scan(path);
    }

    public string GifPath { get; }

    public override int? FrameCount => _timeline?.FrameCount;

    public override double? FramesPerSecond => _timeline?.FramesPerSecond;

    public override IEnumerable<RgbFrame> ReadFrames()
    {
        using var image = Load();
        for (int i = 0; i < image.Frames.Count; i++)
            yield return ImageFileDecoder.ToFrame(image.Frames[i], i.ToString("D5"));
    }

    private Image<Rgb24> Load()
    {
        try { return Image.Load<Rgb24>(GifPath); }
        catch (Exception e) when (ImageFileDecoder.IsDecodeFailure(e))
        {
            throw new MediaException($"cannot decode GIF '{GifPath}': {e.Message}", e);
        }
    }
}
