using System.Globalization;

namespace MRVS.Pipeline.Media;

/// <summary>
/// Encodes frames to an H.264 video (yuv420p, playable everywhere) by streaming raw rgb24 into an ffmpeg child
/// process. The container follows the path's extension (.mp4 expected). Requires ffmpeg on PATH.
/// </summary>
public static class FfmpegVideoWriter
{
    /// <summary>Whether ffmpeg is on PATH (the writer needs it; callers can skip the video output otherwise).</summary>
    public static bool IsAvailable => FfmpegProcess.Find("ffmpeg") != null;

    public static void Write(string path, IEnumerable<RgbFrame> frames, double framesPerSecond)
    {
        if (!(framesPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(framesPerSecond), $"frame rate {framesPerSecond} must be positive");
        var ffmpeg = FfmpegProcess.Locate("ffmpeg", $"write the video '{path}'");
        using var frame = frames.GetEnumerator();
        if (!frame.MoveNext()) throw new MediaException($"no frames to write to video '{path}'");
        int width = frame.Current.Width, height = frame.Current.Height;

        using var process = FfmpegProcess.Start(ffmpeg,
            ["-nostdin", "-y", "-v", "error",
             "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}",
             "-framerate", framesPerSecond.ToString("R", CultureInfo.InvariantCulture), "-i", "pipe:0",
             // yuv420p needs even sides: pad odd ones by a pixel instead of scaling.
             "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
             path],
            writesStdin: true);
        IOException? pipeError = null;
        try
        {
            do
            {
                var f = frame.Current;
                if (f.Width != width || f.Height != height)
                    throw new MediaException($"frame '{f.Name}' for video '{path}' is {f.Width}x{f.Height}, but the first frame is {width}x{height}");
                process.Stdin.Write(f.Rgb);
            } while (frame.MoveNext());
            process.Stdin.Close();
        }
        catch (IOException e)
        {
            pipeError = e; // ffmpeg stopped reading; its exit code and stderr say why
        }
        int code = process.WaitForExit();
        if (code != 0 || pipeError != null)
            throw new MediaException($"ffmpeg failed writing video '{path}' (exit code {code}): {process.ErrorText}", pipeError);
    }
}
