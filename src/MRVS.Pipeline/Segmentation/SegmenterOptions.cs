using MRVS.Core.Execution;
using MRVS.Pipeline.Preprocessing;

namespace MRVS.Pipeline.Segmentation;

/// <summary>How a <see cref="Segmenter"/> runs its model.</summary>
public sealed record SegmenterOptions
{
    /// <summary>The Ref-DAVIS protocol's clip length: long enough for temporal context, short enough to bound memory.</summary>
    public const int DefaultClipLength = 36;

    /// <summary>auto (cuda when a GPU is usable, else cpu), cpu, cuda, or cuda-emu (the CUDA kernels emulated on the CPU).</summary>
    public string Backend { get; init; } = "auto";

    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>
    /// Frames per forward. Each clip is an independent forward with its own choice of the referred object (as the
    /// official Ref-DAVIS script does), and memory is bounded by one clip. 0 runs the whole video in one forward
    /// (the Ref-YouTube-VOS / MeViS protocol), with memory growing with its length.
    /// </summary>
    public int ClipLength { get; init; } = DefaultClipLength;

    /// <summary>The eval resize (shorter side 360, longer at most 640 for the Ref-YouTube-VOS / MeViS / DAVIS models).</summary>
    public EvalResizeRule Resize { get; init; } = EvalResizeRule.ReferYouTubeVos;
}
