using System.Globalization;
using System.Text.Json;
using MRVS.Core.IO;
using MRVS.Core.Limits;

namespace MRVS.Pipeline.Media;

/// <summary>
/// The frames of a video file, decoded by an ffmpeg child process that writes raw rgb24 to its stdout; the frame
/// size comes from ffprobe. ffmpeg applies the rotation stored in the file (phone videos come out upright), so
/// a 90° rotation swaps the probed width and height. (torchvision's read_video, used by the upstream demo, ignores
/// it.)
/// </summary>
public sealed class FfmpegVideoSource : FrameSource
{
    private readonly string _ffmpeg;
    private readonly ResourceLimits _limits;

    private FfmpegVideoSource(string path, string ffmpeg, int width, int height, int? frameCount, double? fps,
        string codec, ResourceLimits limits) : base(path)
    {
        _ffmpeg = ffmpeg;
        _limits = limits;
        Codec = codec;
        VideoPath = path;
        Width = width;
        Height = height;
        FrameCount = frameCount;
        FramesPerSecond = fps;
    }

    /// <summary>The video's path.</summary>
    public string VideoPath { get; }

    /// <summary>Frame width after ffmpeg's rotation.</summary>
    public int Width { get; }

    /// <summary>Frame height after ffmpeg's rotation.</summary>
    public int Height { get; }

    /// <summary>The frame count stored in the container (nb_frames), when it has one.</summary>
    public override int? FrameCount { get; }

    /// <inheritdoc/>
    public override double? FramesPerSecond { get; }

    /// <summary>The video stream's codec as ffprobe names it (h264, vp9, …), for messages.</summary>
    public string Codec { get; }

    /// <summary>
    /// Probes the video now, so a missing ffmpeg, an unreadable file or a frame size over
    /// <see cref="ResourceLimits.MaxFramePixels"/> is reported before decoding.
    /// </summary>
    public static FfmpegVideoSource Probe(string path, ResourceLimits? limits = null)
    {
        InputFile.RequireRegular(path, "video");
        var purpose = $"decode the video '{path}'";
        var ffprobe = FfmpegProcess.Locate("ffprobe", purpose);
        var ffmpeg = FfmpegProcess.Locate("ffmpeg", purpose);

        string json;
        using (var probe = FfmpegProcess.Start(ffprobe,
            ["-v", "error", "-select_streams", "v:0",
             "-show_entries",
             "stream=codec_name,width,height,nb_frames,avg_frame_rate:stream_tags=rotate:stream_side_data=rotation",
             "-of", "json", path], writesStdin: false))
        {
            using var reader = new StreamReader(probe.Stdout);
            json = reader.ReadToEnd();
            int code = probe.WaitForExit();
            if (code != 0) throw new MediaException($"ffprobe cannot read video '{path}' (exit code {code}): " +
                $"{probe.ErrorText}");
        }
        return FromProbe(path, ffmpeg, json, limits ?? ResourceLimits.Default);
    }

    private static FfmpegVideoSource FromProbe(string path, string ffmpeg, string json, ResourceLimits limits)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("streams", out var streams) || streams.GetArrayLength() == 0)
                throw new MediaException($"'{path}' has no video stream");
            var s = streams[0];
            int width = s.TryGetProperty("width", out var w) ? w.GetInt32() : 0;
            int height = s.TryGetProperty("height", out var h) ? h.GetInt32() : 0;
            if (width <= 0
                || height <= 0) throw new MediaException($"ffprobe reports no frame size for video '{path}'");
            if (IsQuarterTurn(Rotation(s))) (width, height) = (height, width);
            int? count = s.TryGetProperty("nb_frames", out var n) && int.TryParse(n.GetString(), NumberStyles.None,
                CultureInfo.InvariantCulture, out var c) && c > 0 ? c : null;
            double? fps = s.TryGetProperty("avg_frame_rate", out var r) ? ParseRate(r.GetString()) : null;
            string codec = s.TryGetProperty("codec_name", out var cn) && cn.GetString() is { Length: > 0 } name ? name
                : "unknown";
            limits.CheckFrame(width, height, $"video '{path}': frame size");
            if (count > limits.MaxFrames)
                throw ResourceLimits.Exceeded($"video '{path}' has {ResourceLimits.Count(count.Value)} frames",
                    nameof(ResourceLimits.MaxFrames),
                    ResourceLimits.Count(limits.MaxFrames));
            return new FfmpegVideoSource(path, ffmpeg, width, height, count, fps, codec, limits);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new MediaException($"cannot understand ffprobe's description of '{path}': {e.Message}", e);
        }
    }

    /// <summary>Clockwise degrees ffmpeg turns the picture by: the display matrix, else the legacy "rotate"
    /// tag.</summary>
    private static double Rotation(JsonElement stream)
    {
        if (stream.TryGetProperty("side_data_list", out var sideData))
            foreach (var item in sideData.EnumerateArray())
                if (item.TryGetProperty("rotation", out var rotation))
                    return -rotation.GetDouble(); // the display matrix angle is counter-clockwise
        if (stream.TryGetProperty("tags", out var tags) && tags.TryGetProperty("rotate", out var tag)
            && double.TryParse(tag.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var degrees))
            return degrees;
        return 0;
    }

    /// <summary>ffmpeg's autorotate transposes for angles within 1° of 90 or 270.</summary>
    private static bool IsQuarterTurn(double clockwise)
    {
        double theta = (clockwise % 360 + 360) % 360;
        return Math.Abs(theta - 90) < 1 || Math.Abs(theta - 270) < 1;
    }

    private static double? ParseRate(string? rate)
    {
        var parts = (rate ?? "").Split('/');
        if (parts.Length != 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var num)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var den)
            || num <= 0 || den <= 0) return null;
        return num / den;
    }

    /// <summary>
    /// The frames, decoded by ffmpeg with error detection on (<c>-err_detect explode -xerror</c>): a decoding error
    /// stops it, and any error it reports, even one it concealed, fails the video instead of yielding damaged frames.
    /// </summary>
    public override IEnumerable<RgbFrame> ReadFrames()
    {
        using var ffmpeg = FfmpegProcess.Start(_ffmpeg,
            ["-nostdin", "-v", "error", "-xerror", "-err_detect", "explode", "-i", VideoPath,
             "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
            writesStdin: false);
        int frameBytes = checked(Width * Height * 3);
        string decoder = $"ffmpeg, {Codec} decoder";
        for (int index = 0; ; index++)
        {
            var rgb = new byte[frameBytes];
            int read = ffmpeg.Stdout.ReadAtLeast(rgb, frameBytes, throwOnEndOfStream: false);
            if (read == frameBytes)
            {
                if (index >= _limits.MaxFrames)
                    throw ResourceLimits.Exceeded($"video '{VideoPath}' has more than " +
                        $"{ResourceLimits.Count(_limits.MaxFrames)} frames",
                        nameof(ResourceLimits.MaxFrames), ResourceLimits.Count(_limits.MaxFrames));
                yield return new RgbFrame(index.ToString("D5"), Width, Height, rgb);
                continue;
            }
            int code = ffmpeg.WaitForExit();
            if (code != 0)
                throw new MediaException($"cannot decode video '{VideoPath}' ({decoder}): it failed at frame {index} " +
                    $"(exit code {code}): {ffmpeg.ErrorText}");
            if (ffmpeg.ReportedErrors)
                throw new MediaException($"cannot decode video '{VideoPath}' ({decoder}): errors after {index} " +
                    $"frames (damaged or truncated): {ffmpeg.ErrorText}");
            if (read != 0)
                throw new MediaException($"ffmpeg's output for video '{VideoPath}' ended inside frame {index} " +
                    $"({read} of {frameBytes} bytes for {Width}x{Height} rgb24)");
            if (index == 0) throw new MediaException($"video '{VideoPath}' has no frames");
            yield break;
        }
    }
}
