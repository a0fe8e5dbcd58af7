using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Pipeline.Media;

/// <summary>Writes frames as a looping animated GIF, one palette per frame (frames of a video differ in colour).</summary>
public static class AnimatedGifWriter
{
    private static readonly GifEncoder Encoder = new() { ColorTableMode = GifColorTableMode.Local };

    public static void Write(string path, IEnumerable<RgbFrame> frames, double framesPerSecond)
    {
        if (!(framesPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(framesPerSecond), $"frame rate {framesPerSecond} must be positive");
        // GIF delays are in 1/100 s; viewers treat delays under 2 as slow, so 50 fps is the fastest usable rate.
        int delay = Math.Max(2, (int)Math.Round(100 / framesPerSecond));
        Image<Rgb24>? gif = null;
        try
        {
            foreach (var frame in frames)
            {
                var pixels = MemoryMarshal.Cast<byte, Rgb24>(frame.Rgb.AsSpan());
                if (gif == null)
                    gif = Image.LoadPixelData<Rgb24>(pixels, frame.Width, frame.Height);
                else if (frame.Width != gif.Width || frame.Height != gif.Height)
                    throw new MediaException($"frame '{frame.Name}' for GIF '{path}' is {frame.Width}x{frame.Height}, but the first frame is {gif.Width}x{gif.Height}");
                else
                    gif.Frames.AddFrame(pixels);
                gif.Frames[^1].Metadata.GetGifMetadata().FrameDelay = delay;
            }
            if (gif == null) throw new MediaException($"no frames to write to GIF '{path}'");
            gif.Metadata.GetGifMetadata().RepeatCount = 0;
            gif.SaveAsGif(path, Encoder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException($"cannot write GIF '{path}': {e.Message}", e);
        }
        finally
        {
            gif?.Dispose();
        }
    }
}
