using System.Diagnostics;
using MRVS.Pipeline.Media;

namespace MRVS.Pipeline.Segmentation;

/// <summary>What <c>mrvs segment</c> does: which model, sentence, input and output folder, and how to run.</summary>
public sealed record SegmentationJobOptions(string ModelDirectory, string Text, IReadOnlyList<string> Inputs, string OutputDirectory)
{
    public SegmenterOptions Segmenter { get; init; } = new();

    /// <summary>Replace an existing, non-empty output folder (only once the new one is complete).</summary>
    public bool Overwrite { get; init; }
}

/// <summary>Frames written so far, out of the total when the input says it without decoding; ClipDone on a clip's last frame.</summary>
public readonly record struct SegmentationProgress(int FramesDone, int? FramesTotal, int Clips, bool ClipDone);

/// <summary>
/// Segments a video into an output folder: masks/&lt;frame&gt;.png (binary, frame-sized), overlay.gif (and overlay.mp4
/// when ffmpeg is on PATH) and result.json. Everything is written into a hidden staging folder beside the output
/// and moved into place at the end, so a failure or cancellation leaves no partial output. Frames stream through:
/// memory is bounded by one clip, not by the video length.
/// </summary>
public static class SegmentationJob
{
    /// <summary>Frame rate of the overlay when the input has none (a folder of images).</summary>
    public const double DefaultFramesPerSecond = 10;

    public const string MasksFolder = "masks", OverlayGif = "overlay.gif", OverlayMp4 = "overlay.mp4", ResultJson = "result.json";

    public static SegmentationJobSummary Run(SegmentationJobOptions options, IProgress<SegmentationProgress>? progress = null, CancellationToken cancel = default)
    {
        long start = Stopwatch.GetTimestamp();
        var output = Path.GetFullPath(options.OutputDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        CheckOutput(output, options.Overwrite);
        var source = FrameSource.Open(options.Inputs);
        using var segmenter = Segmenter.Load(options.ModelDirectory, options.Segmenter);
        var stream = segmenter.SegmentStream(source.ReadFrames(), options.Text, cancel);

        var staging = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.partial-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(Path.Combine(staging, MasksFolder));
            double fps = source.FramesPerSecond ?? DefaultFramesPerSecond;
            var frames = new List<FrameRecord>();
            bool video = FfmpegVideoWriter.IsAvailable;
            var overlay = new MaskOverlay(options.Text);
            using (var gif = new AnimatedGifWriter(Path.Combine(staging, OverlayGif), fps))
            using (var mp4 = video ? new FfmpegVideoWriter(Path.Combine(staging, OverlayMp4), fps) : null)
            {
                var names = new HashSet<string>(StringComparer.Ordinal);
                int clipLength = options.Segmenter.ClipLength;
                bool clipDone = false;
                foreach (var f in stream)
                {
                    stream.Times.Measure("write", () =>
                    {
                        var file = $"{MasksFolder}/{UniqueName(f, names)}.png";
                        MaskPngWriter.Write(Path.Combine(staging, file), f.Mask, f.Width, f.Height);
                        var drawn = overlay.Render(f.Frame, f.Mask, f.Score);
                        gif.Add(drawn);
                        mp4?.Add(drawn);
                        frames.Add(new FrameRecord(f.Index, f.Name, file, f.Score, f.Area, f.Box, f.Clip));
                    });
                    clipDone = clipLength > 0 && frames.Count % clipLength == 0;
                    progress?.Report(new SegmentationProgress(frames.Count, source.FrameCount, stream.Clips, clipDone));
                }
                // The last clip is shorter than the clip length (or the whole video): it ends with the stream.
                if (!clipDone)
                    progress?.Report(new SegmentationProgress(frames.Count, source.FrameCount, stream.Clips, ClipDone: true));
                stream.Times.Measure("write", () =>
                {
                    gif.Complete();
                    mp4?.Complete();
                });
            }
            var summary = new SegmentationJobSummary(output, segmenter.Model, segmenter.Backend, options.Segmenter.Precision, options.Text, stream.Tokens,
                source.Description, fps, options.Segmenter.ClipLength, stream.Clips, frames, stream.Times,
                Stopwatch.GetElapsedTime(start).TotalMilliseconds, Process.GetCurrentProcess().PeakWorkingSet64, video);
            ResultJsonWriter.Write(Path.Combine(staging, ResultJson), summary);
            Publish(staging, output, options.Overwrite);
            return summary;
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    private static void CheckOutput(string output, bool overwrite)
    {
        if (File.Exists(output)) throw new IOException($"output '{output}' is a file; expected a folder to create");
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any() && !overwrite)
            throw new IOException($"output folder '{output}' already exists and is not empty; choose another --out or pass --overwrite");
        var parent = Path.GetDirectoryName(output);
        if (parent is null || !Directory.Exists(parent))
            throw new DirectoryNotFoundException($"output '{output}': its parent folder does not exist");
    }

    /// <summary>Moves the finished staging folder into place; an existing output is replaced only now.</summary>
    private static void Publish(string staging, string output, bool overwrite)
    {
        if (Directory.Exists(output))
        {
            if (!overwrite && Directory.EnumerateFileSystemEntries(output).Any())
                throw new IOException($"output folder '{output}' appeared while segmenting; the result is not moved over it");
            Directory.Delete(output, recursive: true);
        }
        Directory.Move(staging, output);
    }

    /// <summary>The frame's name as a file name: path characters replaced, and a repeated name suffixed with the frame index.</summary>
    private static string UniqueName(SegmentedFrame f, HashSet<string> used)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var name = new string(f.Name.Select(c => invalid.Contains(c) ? '_' : c).ToArray());
        if (name.Length == 0 || name.StartsWith('.')) name = $"{f.Index:D5}{name}";
        if (!used.Add(name)) used.Add(name = $"{name}_{f.Index:D5}");
        return name;
    }
}
