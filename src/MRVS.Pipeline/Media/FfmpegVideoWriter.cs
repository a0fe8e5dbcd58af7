using System.Globalization;

namespace MRVS.Pipeline.Media;

/// <summary>
/// Encodes frames to an H.264 video (yuv420p, playable everywhere) by streaming raw rgb24 into an ffmpeg child
/// process, one frame at a time. The container follows the path's extension (.mp4 expected). Requires ffmpeg on PATH.
/// </summary>
public sealed class FfmpegVideoWriter(string path, double framesPerSecond) : IFrameWriter
{
    private readonly string _ffmpeg = FfmpegProcess.Locate("ffmpeg", $"write the video '{path}'");
    private readonly double _fps = framesPerSecond > 0 ? framesPerSecond
        : throw new ArgumentOutOfRangeException(nameof(framesPerSecond),
            $"frame rate {framesPerSecond} must be positive");
    private FfmpegProcess? _process;
    private (int Width, int Height) _size;
    private IOException? _pipeError;

    /// <summary>Whether ffmpeg is on PATH (the writer needs it; callers can skip the video output otherwise).</summary>
    public static bool IsAvailable => FfmpegProcess.Find("ffmpeg") != null;

    /// <summary>Writes every frame of <paramref name="frames"/> as an H.264 video.</summary>
    public static void Write(string path, IEnumerable<RgbFrame> frames, double framesPerSecond)
    {
        using var writer = new FfmpegVideoWriter(path, framesPerSecond);
        writer.WriteAll(frames);
    }

    /// <inheritdoc/>
    public void Add(RgbFrame frame)
    {
        if (_process is null)
        {
            _size = (frame.Width, frame.Height);
            _process = FfmpegProcess.Start(_ffmpeg,
                ["-nostdin", "-y", "-v", "error",
                 "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{frame.Width}x{frame.Height}",
                 "-framerate", _fps.ToString("R", CultureInfo.InvariantCulture), "-i", "pipe:0",
                 // yuv420p needs even sides: pad odd ones by a pixel instead of scaling.
                 "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags",
                     "+faststart",
                 path],
                writesStdin: true);
        }
        else if (_size != (frame.Width, frame.Height))
            throw new MediaException($"frame '{frame.Name}' for video '{path}' is {frame.Width}x{frame.Height}, but " +
                $"the first frame is {_size.Width}x{_size.Height}");
        if (_pipeError != null) return;
        try { _process.Stdin.Write(frame.Rgb); }
        catch (IOException e) { _pipeError = e; } // ffmpeg stopped reading; its exit code and stderr say why
    }

    /// <inheritdoc/>
    public void Complete()
    {
        if (_process is null) throw new MediaException($"no frames to write to video '{path}'");
        try { _process.Stdin.Close(); }
        catch (IOException e) { _pipeError ??= e; }
        int code = _process.WaitForExit();
        if (code != 0 || _pipeError != null)
            throw new MediaException($"ffmpeg failed writing video '{path}' (exit code {code}): {_process.ErrorText}",
                _pipeError);
    }

    /// <summary>Stops ffmpeg if it still runs.</summary>
    public void Dispose() => _process?.Dispose();
}
