using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Quantization;

namespace MRVS.Pipeline.Media;

/// <summary>
/// Writes a looping animated GIF one frame at a time: each frame gets its own palette (ImageSharp's octree quantizer;
/// frames of a video differ in colour) and is LZW-compressed straight into the file, so memory stays one frame
/// whatever the length. ImageSharp's own GIF encoder needs every frame in memory at once.
/// </summary>
public sealed class AnimatedGifWriter : IFrameWriter
{
    private readonly string _path;
    private readonly int _delay;
    private readonly FileStream _file;
    private (int Width, int Height)? _size;
    private bool _completed;

    /// <summary>
    /// Creates <paramref name="path"/>; frames play at <paramref name="framesPerSecond"/> (GIF delays are in 1/100 s).
    /// </summary>
    public AnimatedGifWriter(string path, double framesPerSecond)
    {
        if (!(framesPerSecond > 0)) throw new ArgumentOutOfRangeException(nameof(framesPerSecond),
            $"frame rate {framesPerSecond} must be positive");
        _path = path;
        // GIF delays are in 1/100 s; viewers treat delays under 2 as slow, so 50 fps is the fastest usable rate.
        _delay = Math.Max(2, (int)Math.Round(100 / framesPerSecond));
        _file = Io(() => new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16));
    }

    /// <summary>Writes every frame of <paramref name="frames"/> as a looping GIF.</summary>
    public static void Write(string path, IEnumerable<RgbFrame> frames, double framesPerSecond)
    {
        using var writer = new AnimatedGifWriter(path, framesPerSecond);
        writer.WriteAll(frames);
    }

    /// <inheritdoc/>
    public void Add(RgbFrame frame)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_size is null)
        {
            _size = (frame.Width, frame.Height);
            Io(() => WriteHeader(frame.Width, frame.Height));
        }
        else if (_size != (frame.Width, frame.Height))
            throw new MediaException($"frame '{frame.Name}' for GIF '{_path}' is {frame.Width}x{frame.Height}, but " +
                $"the first frame is {_size.Value.Width}x{_size.Value.Height}");

        using var image = Image.LoadPixelData<Rgb24>(MemoryMarshal.Cast<byte, Rgb24>(frame.Rgb.AsSpan()), frame.Width,
            frame.Height);
        using var quantizer = KnownQuantizers.Octree.CreatePixelSpecificQuantizer<Rgb24>(Configuration.Default);
        using var indexed = quantizer.BuildPaletteAndQuantizeFrame(image.Frames.RootFrame, image.Bounds());
        var palette = indexed.Palette.Span;
        int tableBits = 1;
        while (1 << tableBits < palette.Length) tableBits++;
        var pixels = new byte[frame.Width * frame.Height];
        for (int y = 0; y < frame.Height; y++) indexed.DangerousGetRowSpan(y).CopyTo(pixels.AsSpan(y * frame.Width,
            frame.Width));

        var bytes = new List<byte>(32 + 3 * (1 << tableBits));
        // Graphics control: no disposal, the frame delay, no transparency.
        bytes.AddRange([0x21, 0xF9, 0x04, 0x04, (byte)_delay, (byte)(_delay >> 8), 0x00, 0x00]);
        bytes.AddRange([0x2C, 0, 0, 0, 0, (byte)frame.Width, (byte)(frame.Width >> 8), (byte)frame.Height,
            (byte)(frame.Height >> 8), (byte)(0x80 | (tableBits - 1))]);
        for (int i = 0; i < 1 << tableBits; i++)
        {
            var c = i < palette.Length ? palette[i] : default;
            bytes.AddRange([c.R, c.G, c.B]);
        }
        Io(() =>
        {
            _file.Write(CollectionsMarshal.AsSpan(bytes));
            GifLzwEncoder.Write(_file, pixels, Math.Max(2, tableBits));
        });
    }

    /// <inheritdoc/>
    public void Complete()
    {
        if (_completed) return;
        if (_size is null) throw new MediaException($"no frames to write to GIF '{_path}'");
        Io(() =>
        {
            _file.WriteByte(0x3B);
            _file.Flush();
        });
        _completed = true;
        _file.Dispose();
    }

    /// <summary>Closes the file (an incomplete one if <see cref="Complete"/> was not called).</summary>
    public void Dispose() => _file.Dispose();

    private void WriteHeader(int width, int height)
    {
        // GIF89a, the logical screen without a global colour table, then the NETSCAPE2.0 loop-forever block.
        _file.Write("GIF89a"u8);
        _file.Write([(byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0x70, 0x00, 0x00]);
        _file.Write([0x21, 0xFF, 0x0B, .. "NETSCAPE2.0"u8, 0x03, 0x01, 0x00, 0x00, 0x00]);
    }

    private T Io<T>(Func<T> action)
    {
        try { return action(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException($"cannot write GIF '{_path}': {e.Message}", e);
        }
    }

    private void Io(Action action) => Io(() => { action(); return 0; });
}
