using System.Globalization;
using MRVS.Core.Errors;

namespace MRVS.Core.Limits;

/// <summary>
/// Bounds checked against what a file declares before anything that size is allocated, so a small hostile file cannot
/// make the process take gigabytes. The defaults admit every real input and model (an 8K frame, a 2-hour video, the
/// largest released checkpoint) with room to spare. Exceeding one is an <see cref="MrvsException"/> of kind
/// <see cref="MrvsErrorKind.ResourceLimit"/> whose message names the input and the limit.
/// </summary>
public sealed record ResourceLimits
{
    /// <summary>The defaults.</summary>
    public static ResourceLimits Default { get; } = new();

    /// <summary>
    /// Pixels of one frame: an image, a GIF's canvas or one of its frames, a video frame (default 8192 × 8192).
    /// </summary>
    public long MaxFramePixels { get; init; } = 8192L * 8192;

    /// <summary>Frames of one input (default 500,000: over 4 hours at 30 fps).</summary>
    public int MaxFrames { get; init; } = 500_000;

    /// <summary>
    /// Bytes of the decoded frames one clip holds at their own size, clip length × width × height × 3 (default
    /// 1 GiB: 36 frames of 4K). Memory of a segmentation is bounded by the clip; this bounds the clip.
    /// </summary>
    public long MaxClipBytes { get; init; } = 1L << 30;

    /// <summary>
    /// Bytes of model data read into memory: model.safetensors, a checkpoint's storages (default 16 GiB).
    /// </summary>
    public long MaxModelBytes { get; init; } = 16L << 30;

    /// <summary>
    /// Bytes of a checkpoint's pickle, data.pkl (default 256 MiB; a state dict's is well under 1 MiB).
    /// </summary>
    public long MaxPickleBytes { get; init; } = 256L << 20;

    /// <summary>
    /// Opcodes a checkpoint's pickle may run (default 4,000,000; a state dict of 1,000 tensors runs about 30,000). Each
    /// opcode adds at most one value, mark or memo entry, so this bounds the pickle's stack, marks and memo.
    /// </summary>
    public int MaxPickleOpcodes { get; init; } = 4_000_000;

    /// <summary>Bytes of a text file read whole: config.json, vocab.json, merges.txt (default 64 MiB).</summary>
    public long MaxTextFileBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Bytes of one forward's intermediates (the executor's arena). Null (the default): half the memory this process
    /// may use for the host backends (cpu, cuda-emu), the rest being weights, frames and everything else; on a GPU the
    /// device itself refuses what does not fit.
    /// </summary>
    public long? MaxArenaBytes { get; init; }

    /// <summary>The arena bound for a backend: <see cref="MaxArenaBytes"/>, or its default when null.</summary>
    public long ArenaLimit(bool hostMemory) => MaxArenaBytes
        ?? (hostMemory ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2 : long.MaxValue);

    /// <summary>
    /// The exception for <paramref name="what"/> (the input and the amount) beyond a limit, named as a property of this
    /// type.
    /// </summary>
    public static MrvsException Exceeded(string what, string limit, string limitValue) =>
        new(MrvsErrorKind.ResourceLimit, $"{what}, over the limit of {limitValue} (ResourceLimits.{limit})");

    /// <summary>
    /// Throws when a frame of <paramref name="width"/> × <paramref name="height"/> is over <see
    /// cref="MaxFramePixels"/>.
    /// </summary>
    public void CheckFrame(long width, long height, string what)
    {
        if (width * height > MaxFramePixels)
            throw Exceeded($"{what}: {width}x{height} is {Count(width * height)} pixels", nameof(MaxFramePixels),
                Count(MaxFramePixels));
    }

    /// <summary>Throws when a file that is read whole is over <paramref name="limit"/> bytes.</summary>
    public static void CheckFileSize(long bytes, long limit, string limitName, string what)
    {
        if (bytes > limit)
            throw Exceeded($"{what} is {ErrorText.Bytes(bytes)}", limitName, ErrorText.Bytes(limit));
    }

    /// <summary>A count with thousands separators, as the messages show them.</summary>
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
