using System.Collections;
using MRVS.Pipeline.Text;

namespace MRVS.Pipeline.Segmentation;

/// <summary>
/// The frames of one segmentation, produced clip by clip while the caller enumerates (once). Only the current
/// clip's frames are held, so a caller that writes each result and drops it runs in memory bounded by a clip.
/// </summary>
public sealed class SegmentationStream : IEnumerable<SegmentedFrame>
{
    private IEnumerable<SegmentedFrame>? _frames;

    internal SegmentationStream(string? text, TokenizedText tokens, StageTimes times, Func<SegmentationStream, IEnumerable<SegmentedFrame>> run)
    {
        Text = text;
        Tokens = tokens;
        Times = times;
        _frames = run(this);
    }

    /// <summary>The sentence, or null when the caller passed token ids.</summary>
    public string? Text { get; }
    public TokenizedText Tokens { get; }

    /// <summary>Time per stage so far (complete once the enumeration ends).</summary>
    public StageTimes Times { get; }

    /// <summary>Forwards run so far.</summary>
    public int Clips { get; internal set; }

    public IEnumerator<SegmentedFrame> GetEnumerator()
    {
        var frames = _frames ?? throw new InvalidOperationException("a segmentation stream can be enumerated only once");
        _frames = null;
        return frames.GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
