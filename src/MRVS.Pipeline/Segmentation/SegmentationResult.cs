using MRVS.Core.Execution;
using MRVS.Pipeline.Text;

namespace MRVS.Pipeline.Segmentation;

/// <summary>Everything <see cref="Segmenter.Segment(IEnumerable{Media.RgbFrame}, string, CancellationToken)"/>
/// returns.</summary>
public sealed record SegmentationResult(string Model, string Backend, Precision Precision, string? Text,
    TokenizedText Tokens,
    IReadOnlyList<SegmentedFrame> Frames, StageTimes Times);
