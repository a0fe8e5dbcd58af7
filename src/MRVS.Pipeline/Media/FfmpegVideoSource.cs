using System.Globalization;
using System.Text.Json;

namespace MRVS.Pipeline.Media;

/// <summary>
/// The frames of a video file, decoded by an ffmpeg child process that writes raw rgb24 to its stdout; the frame
/// size comes from ffprobe. ffmpeg applies the rotation stored in the file (phone videos come out upright), so
/// a 90° rotation swaps the probed width and height. (torchvision's read_video, used by the upstream demo, ignores it.)
/// </summary>
public sealed class FfmpegVideoSource : FrameSource
{
    private readonly string _ffmpeg;

    private FfmpegVideoSource(string path, string ffmpeg, int width, int height, int? frameCount, double? fps) : base(path)
    {
        _ffmpeg = ffmpeg;
        VideoPath = path;
        Width = width;
        Height = height;
        FrameCount = frameCount;
        FramesPerSecond = fps;
    }

    public string VideoPath { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>The frame count stored in the container (nb_frames), when it has one.</summary>
    public override int? FrameCount { get; }

    public override double? FramesPerSecond { get; }

    /// <summary>Probes the video now, so a missing ffmpeg or an unreadable file is reported before decoding.</summary>
    public static FfmpegVideoSource Probe(string path)
    {
        if (!File.Exists(path)) throw new MediaException($"video '{path}' does not exist");
        var purpose = $"decode the video '{path}'";
        var ffprobe = FfmpegProcess.Locate("ffprobe", purpose);
        var ffmpeg = FfmpegProcess.Locate("ffmpeg", purpose);

        string json;
        using (var probe = FfmpegProcess.Start(ffprobe,
            ["-v", "error", "-select_streams", "v:0",
             "-show_entries", "stream=width,height,nb_frames,avg_frame_rate:stream_tags=rotate:stream_side_data=rotation",
             "-of", "json", path], writesStdin: false))
        {
            using var reader = new StreamReader(probe.Stdout);
            json = reader.ReadToEnd();
            int code = probe.WaitForExit();
            if (code != 0) throw new MediaException($"ffprobe cannot read video '{path}' (exit code {code}): {probe.ErrorText}");
        }
        return FromProbe(path, ffmpeg, json);
    }

    private static FfmpegVideoSource FromProbe(string path, string ffmpeg, string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("streams", out var streams) || streams.GetArrayLength() == 0)
                throw new MediaException($"'{path}' has no video stream");
            var s = streams[0];
            int width = s.TryGetProperty("width", out var w) ? w.GetInt32() : 0;
            int height = s.TryGetProperty("height", out var h) ? h.GetInt32() : 0;
            if (width <= 0 || height <= 0) throw new MediaException($"ffprobe reports no frame size for video '{path}'");
            if (IsQuarterTurn(Rotation(s))) (width, height) = (height, width);
            int? count = s.TryGetProperty("nb_frames", out var n) && int.TryParse(n.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c > 0 ? c : null;
            double? fps = s.TryGetProperty("avg_frame_rate", out var r) ? ParseRate(r.GetString()) : null;
            return new FfmpegVideoSource(path, ffmpeg, width, height, count, fps);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new MediaException($"cannot understand ffprobe's description of '{path}': {e.Message}", e);
        }
    }

    /// <summary>Clockwise degrees ffmpeg turns the picture by: the display matrix, else the legacy "rotate" tag.</summary>
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

    public override IEnumerable<RgbFrame> ReadFrames()
    {
        using var ffmpeg = FfmpegProcess.Start(_ffmpeg,
            ["-nostdin", "-v", "error", "-i", VideoPath, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
            writesStdin: false);
        int frameBytes = checked(Width * Height * 3);
        for (int index = 0; ; index++)
        {
            var rgb = new byte[frameBytes];
            int read = ffmpeg.Stdout.ReadAtLeast(rgb, frameBytes, throwOnEndOfStream: false);
            if (read == frameBytes)
            {
                yield return new RgbFrame(index.ToString("D5"), Width, Height, rgb);
                continue;
            }
            int code = ffmpeg.WaitForExit();
            if (code != 0)
                throw new MediaException($"ffmpeg failed decoding video '{VideoPath}' at frame {index} (exit code {code}): {ffmpeg.ErrorText}");
            if (read != 0)
                throw new MediaException($"ffmpeg's output for video '{VideoPath}' ended inside frame {index} ({read} of {frameBytes} bytes for {Width}x{Height} rgb24)");
            if (index == 0) throw new MediaException($"video '{VideoPath}' has no frames");
            yield break;
        }
    }
}
