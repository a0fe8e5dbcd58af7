using MRVS.Core.Execution;
using MRVS.Pipeline.Text;

namespace MRVS.Pipeline.Segmentation;

/// <summary>One frame's line in result.json (the mask itself is the PNG at <see cref="MaskFile"/>, relative to the
/// output folder).</summary>
public sealed record FrameRecord(int Index, string Name, string MaskFile, float Score, long Area, MaskBox? Box,
    int Clip);

/// <summary>What a segmentation job wrote and measured; result.json holds the same.</summary>
public sealed record SegmentationJobSummary(string OutputDirectory, string Model, string Backend, Precision Precision,
    string Text, TokenizedText Tokens,
    string Input, double FramesPerSecond, int ClipLength, int Clips, IReadOnlyList<FrameRecord> Frames,
        StageTimes Times,
    double TotalMilliseconds, long PeakWorkingSetBytes, bool WroteVideo);
