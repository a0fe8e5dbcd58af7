using MRVS.Core.IO;
using MRVS.Core.Limits;

namespace MRVS.Pipeline.Media;

/// <summary>
/// The frames of an animated GIF, each composited onto the full canvas and decoded one at a time as they are read
/// (<see cref="GifDecoder"/>), so a long GIF streams like a video. The block structure is scanned when the source is
/// opened: frame count and rate are known before decoding, and a damaged or over-limit file fails at once.
/// </summary>
public sealed class AnimatedGifSource : FrameSource
{
    private readonly ResourceLimits _limits;
    private readonly GifDecoder.Summary _summary;

    /// <summary>Opens a GIF and scans its blocks (frame count, rate, damage) without decoding pixels.</summary>
    public AnimatedGifSource(string path, ResourceLimits? limits = null) : base(path)
    {
        InputFile.RequireRegular(path, "GIF");
        GifPath = path;
        _limits = limits ?? ResourceLimits.Default;
        _summary = GifDecoder.Scan(path, _limits);
    }

    /// <summary>The GIF's path.</summary>
    public string GifPath { get; }

    /// <summary>The canvas width every frame has.</summary>
    public int Width => _summary.Width;

    /// <summary>The canvas height every frame has.</summary>
    public int Height => _summary.Height;

    /// <inheritdoc/>
    public override int? FrameCount => _summary.FrameCount;

    /// <inheritdoc/>
    public override double? FramesPerSecond => _summary.FramesPerSecond;

    /// <inheritdoc/>
    public override IEnumerable<RgbFrame> ReadFrames() => GifDecoder.Frames(GifPath, _limits);
}
