using System.Diagnostics;
using MRVS.Core.Errors;
using MRVS.Pipeline.Media;

namespace MRVS.Pipeline.Segmentation;

/// <summary>What <c>mrvs segment</c> does: which model, sentence, input and output folder, and how to run.</summary>
public sealed record SegmentationJobOptions(string ModelDirectory, string Text, IReadOnlyList<string> Inputs,
    string OutputDirectory)
{
    /// <summary>Backend, precision, threads, clip length and limits of the segmenter.</summary>
    public SegmenterOptions Segmenter { get; init; } = new();

    /// <summary>Replace an existing, non-empty output folder (only once the new one is complete).</summary>
    public bool Overwrite { get; init; }
}

/// <summary>
/// Where a job is: frames written (out of the total when the input says it without decoding), the clip worked on
/// (from 1), whether the frame just written ended it, the stage running (load, decode, preprocess, build, forward,
/// postprocess, write), the time since the frames started, and the time left once a clip has given a rate.
/// </summary>
public readonly record struct SegmentationProgress(int FramesDone, int? FramesTotal, int Clip, bool ClipDone,
    string Stage, TimeSpan Elapsed, TimeSpan? Remaining);

/// <summary>
/// Segments a video into an output folder: masks/&lt;frame&gt;.png (binary, frame-sized), overlay.gif (and overlay.mp4
/// when ffmpeg is on PATH) and result.json. The folder is published atomically (<see cref="OutputFolder"/>): a failure
/// or cancellation leaves no partial output, and an existing output is replaced only once the new one is complete.
/// Frames stream through: memory is bounded by one clip, not by the video length. Every failure is an
/// <see cref="MrvsException"/>; cancellation an <see cref="OperationCanceledException"/>.
/// </summary>
public static class SegmentationJob
{
    /// <summary>Frame rate of the overlay when the input has none (a folder of images).</summary>
    public const double DefaultFramesPerSecond = 10;

    /// <summary>The folder of mask PNGs inside the output.</summary>
    public const string MasksFolder = "masks";

    /// <summary>The overlay animation inside the output.</summary>
    public const string OverlayGif = "overlay.gif";

    /// <summary>The overlay video inside the output (written when ffmpeg is on PATH).</summary>
    public const string OverlayMp4 = "overlay.mp4";

    /// <summary>The per-frame results and timings inside the output.</summary>
    public const string ResultJson = "result.json";

    /// <summary>
    /// Runs the job: decodes, segments and writes; the output folder appears complete at the end, or not at all.
    /// </summary>
    /// <param name="options">Model, sentence, input, output and how to run.</param>
    /// <param name="progress">Told as each stage starts and each frame is written (from worker threads too).</param>
    /// <param name="cancel">Stops the job at the next clip; nothing is written then.</param>
    public static SegmentationJobSummary Run(SegmentationJobOptions options, IProgress<SegmentationProgress>? progress =
        null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        long start = Stopwatch.GetTimestamp();
        try
        {
            using var output = OutputFolder.Begin(options.OutputDirectory, options.Overwrite);
            var source = FrameSource.Open(options.Inputs, options.Segmenter.Limits);
            var clock = new Clock(source.FrameCount, options.Segmenter.ClipLength);
            progress?.Report(clock.At(0, false, "load"));
            using var segmenter = Segmenter.Load(options.ModelDirectory, options.Segmenter);
            var summary = Write(options, source, segmenter, output.Staging, clock, progress, cancel);
            var result = summary with
            {
                OutputDirectory = output.Path,
                TotalMilliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds
            };
            ResultJsonWriter.Write(Path.Combine(output.Staging, ResultJson), result);
            output.Publish();
            return result;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OutputFolder.Io(e, $"segmenting into '{options.OutputDirectory}'");
        }
    }

    private static SegmentationJobSummary Write(SegmentationJobOptions options, FrameSource source,
        Segmenter segmenter, string staging, Clock clock, IProgress<SegmentationProgress>? progress,
        CancellationToken cancel)
    {
        var stream = segmenter.SegmentStream(source.ReadFrames(), options.Text, cancel);
        var frames = new List<FrameRecord>();
        bool clipDone = false;
        if (progress is not null) stream.Times.StageStarted += stage
            => progress.Report(clock.At(frames.Count, false, stage));
        Directory.CreateDirectory(Path.Combine(staging, MasksFolder));
        double fps = source.FramesPerSecond ?? DefaultFramesPerSecond;
        bool video = FfmpegVideoWriter.IsAvailable;
        var overlay = new MaskOverlay(options.Text);
        using (var gif = new AnimatedGifWriter(Path.Combine(staging, OverlayGif), fps))
        using (var mp4 = video ? new FfmpegVideoWriter(Path.Combine(staging, OverlayMp4), fps) : null)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            int clipLength = options.Segmenter.ClipLength;
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
                if (clipDone) clock.ClipDone(frames.Count);
                progress?.Report(clock.At(frames.Count, clipDone, "write"));
            }
            // The last clip is shorter than the clip length (or the whole video): it ends with the stream.
            if (!clipDone)
            {
                clock.ClipDone(frames.Count);
                progress?.Report(clock.At(frames.Count, true, "write"));
            }
            stream.Times.Measure("write", () =>
            {
                gif.Complete();
                mp4?.Complete();
            });
        }
        return new SegmentationJobSummary(staging, segmenter.Model, segmenter.Backend, options.Segmenter.Precision,
            options.Text, stream.Tokens, source.Description, fps, options.Segmenter.ClipLength, stream.Clips, frames,
            stream.Times, 0, Process.GetCurrentProcess().PeakWorkingSet64, video);
    }

    /// <summary>
    /// Elapsed time since the frames started, and the time left at the rate of the clips finished so far.
    /// </summary>
    private sealed class Clock(int? totalFrames, int clipLength)
    {
        private readonly long _start = Stopwatch.GetTimestamp();
        private double _doneSeconds;
        private int _doneFrames;

        public void ClipDone(int frames) =>
            (_doneFrames, _doneSeconds) = (frames, Stopwatch.GetElapsedTime(_start).TotalSeconds);

        public SegmentationProgress At(int framesDone, bool clipDone, string stage)
        {
            int clip = clipLength == 0 ? 1 : clipDone ? (framesDone + clipLength - 1) / clipLength
                : framesDone / clipLength + 1;
            var elapsed = Stopwatch.GetElapsedTime(_start);
            TimeSpan? remaining = null;
            if (totalFrames is { } total && _doneFrames > 0)
                remaining = TimeSpan.FromSeconds(
                    Math.Max(0, _doneSeconds / _doneFrames * total - elapsed.TotalSeconds));
            return new SegmentationProgress(framesDone, totalFrames, clip, clipDone, stage, elapsed, remaining);
        }
    }

    /// <summary>The frame's name as a file name: path characters replaced, and a repeated name suffixed with the frame
    /// index.</summary>
    private static string UniqueName(SegmentedFrame f, HashSet<string> used)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var name = new string(f.Name.Select(c => invalid.Contains(c) || char.IsControl(c) ? '_' : c).ToArray());
        if (name.Length == 0 || name.StartsWith('.')) name = $"{f.Index:D5}{name}";
        if (!used.Add(name)) used.Add(name = $"{name}_{f.Index:D5}");
        return name;
    }
}
