using MRVS.Core.Execution;
using MRVS.Core.Limits;
using MRVS.Pipeline.Preprocessing;

namespace MRVS.Pipeline.Segmentation;

/// <summary>How a <see cref="Segmenter"/> runs its model.</summary>
public sealed record SegmenterOptions
{
    /// <summary>The Ref-DAVIS protocol's clip length: long enough for temporal context, short enough to bound
    /// memory.</summary>
    public const int DefaultClipLength = 36;

    /// <summary>
    /// Where the model runs; <see cref="Pipeline.Backend.Auto"/> (the default) takes the GPU when one is usable.
    /// </summary>
    public Backend Backend { get; init; } = Backend.Auto;

    /// <summary>
    /// GEMM arithmetic: fp32 everywhere, or fp16 / bf16 inputs with fp32 accumulation on the cuda backends.
    /// </summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>
    /// Threads of the CPU backend's parallel loops; null (the default) keeps one per core. The setting is process-wide:
    /// segmenters in one process share it.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>
    /// Frames per forward. Each clip is an independent forward with its own choice of the referred object (as the
    /// official Ref-DAVIS script does), and memory is bounded by one clip. 0 runs the whole video in one forward
    /// (the Ref-YouTube-VOS / MeViS protocol), with memory growing with its length.
    /// </summary>
    public int ClipLength { get; init; } = DefaultClipLength;

    /// <summary>The eval resize (shorter side 360, longer at most 640 for the Ref-YouTube-VOS / MeViS / DAVIS
    /// models).</summary>
    public EvalResizeRule Resize { get; init; } = EvalResizeRule.ReferYouTubeVos;

    /// <summary>
    /// Bounds on frames, clips, model files and memory, checked before anything that size is allocated.
    /// </summary>
    public ResourceLimits Limits { get; init; } = ResourceLimits.Default;
}
