using System.Globalization;
using MRVS.Core.Limits;

namespace MRVS.Pipeline.Media;

/// <summary>
/// A streaming GIF decoder: the file is read once, front to back, and each frame is composited onto a canvas of the
/// logical screen and returned before the next is decoded, so memory is one canvas (two when a frame asks to be
/// disposed by restoring the previous one) whatever the length. Sizes are checked against
/// <see cref="ResourceLimits"/> as soon as they are read, before anything that size is allocated.
/// Compositing follows the format: a frame's transparent pixels keep what is below; after a frame, disposal 2 clears
/// its rectangle to the background (black, as transparency reads in RGB) and disposal 3 restores the canvas it was
/// drawn on; the canvas starts black. Colour indices beyond a palette read as black (as browsers show them).
/// The file is refused, naming the frame, when its structure is damaged: a block that does not start with a known
/// byte, an LZW code that is not defined yet, image data that ends before the frame's pixels, a missing trailer.
/// </summary>
internal sealed class GifDecoder : IDisposable
{
    /// <summary>
    /// The logical screen, the number of frames and the rate their delays give (null when no delay is set).
    /// </summary>
    public sealed record Summary(int Width, int Height, int FrameCount, double? FramesPerSecond);

    private const int MaxCodes = 4096;
    private const byte Extension = 0x21, ImageDescriptor = 0x2C, Trailer = 0x3B, GraphicControlLabel = 0xF9;

    private readonly string _path;
    private readonly ResourceLimits _limits;
    private readonly BufferedStream _in;
    private readonly byte[] _palette = new byte[256 * 3], _globalPalette = new byte[256 * 3];
    private int _globalColors = -1;
    private int _frames;
    private long _delayCentiseconds;

    private GifDecoder(string path, ResourceLimits limits)
    {
        _path = path;
        _limits = limits;
        _in = new BufferedStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1), 1 << 16);
    }

    public int Width { get; private set; }
    public int Height { get; private set; }

    /// <summary>
    /// Reads the block structure without decoding pixels: canvas, frame count, rate; damage is reported now.
    /// </summary>
    public static Summary Scan(string path, ResourceLimits limits)
    {
        using var d = Open(path, limits);
        foreach (var _ in d.Walk(decode: false)) { }
        return new Summary(d.Width, d.Height, d._frames, d._delayCentiseconds > 0
            ? 100.0 * d._frames / d._delayCentiseconds : null);
    }

    /// <summary>The frames, composited at the canvas size, decoded one at a time as the caller enumerates.</summary>
    public static IEnumerable<RgbFrame> Frames(string path, ResourceLimits limits)
    {
        using var d = Open(path, limits);
        foreach (var frame in d.Walk(decode: true)) yield return frame!;
    }

    private static GifDecoder Open(string path, ResourceLimits limits)
    {
        try { return new GifDecoder(path, limits); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException($"cannot read GIF '{path}' ({e.Message})", e);
        }
    }

    private IEnumerable<RgbFrame?> Walk(bool decode)
    {
        ReadScreen();
        byte[]? canvas = decode ? new byte[Width * Height * 3] : null;
        byte[]? saved = null;
        var control = GraphicControl.None;
        while (true)
        {
            long at = _in.Position;
            int block = ReadByte("the next block");
            if (block == Trailer)
            {
                if (_frames == 0) throw Damaged("it has no frames");
                yield break;
            }
            if (block == Extension)
            {
                if (ReadByte("an extension label") == GraphicControlLabel) control = ReadGraphicControl();
                else SkipSubBlocks("an extension");
                continue;
            }
            if (block != ImageDescriptor)
                throw Damaged($"byte 0x{block:x2} at offset {at} where a block (0x21, 0x2c or the trailer 0x3b) " +
                    "should start");

            if (++_frames > _limits.MaxFrames)
            {
                var limit = ResourceLimits.Count(_limits.MaxFrames);
                throw ResourceLimits.Exceeded($"GIF '{_path}' has more than {limit} frames",
                    nameof(ResourceLimits.MaxFrames), limit);
            }
            int frame = _frames - 1;
            var rect = ReadDescriptor(frame, out bool interlaced, out int colors);
            _delayCentiseconds += control.DelayCentiseconds;
            if (!decode)
            {
                ReadByte("the LZW code size");
                SkipSubBlocks($"frame {frame}'s image data");
                yield return null;
            }
            else
            {
                if (control.Disposal == 3) saved = (byte[])canvas!.Clone();
                DecodeImage(frame, rect, interlaced, colors, control.TransparentIndex, canvas!);
                yield return new RgbFrame(frame.ToString("D5", CultureInfo.InvariantCulture), Width, Height,
                    (byte[])canvas!.Clone());
                if (control.Disposal == 2) Clear(canvas!, rect);
                else if (control.Disposal == 3 && saved is not null) (canvas, saved) = (saved, null);
            }
            control = GraphicControl.None;
        }
    }

    private void ReadScreen()
    {
        Span<byte> head = stackalloc byte[13];
        ReadExactly(head, "the header");
        if (!head[..6].SequenceEqual("GIF87a"u8) && !head[..6].SequenceEqual("GIF89a"u8))
            throw Damaged("it does not start with GIF87a or GIF89a");
        Width = head[6] | head[7] << 8;
        Height = head[8] | head[9] << 8;
        if (Width == 0 || Height == 0) throw Damaged($"its canvas is {Width}x{Height}");
        _limits.CheckFrame(Width, Height, $"GIF '{_path}': canvas");
        if ((head[10] & 0x80) != 0)
        {
            _globalColors = 2 << (head[10] & 7);
            ReadExactly(_globalPalette.AsSpan(0, _globalColors * 3), "the global colour table");
        }
    }

    private (int Left, int Top, int Width, int Height) ReadDescriptor(int frame, out bool interlaced, out int colors)
    {
        Span<byte> d = stackalloc byte[9];
        ReadExactly(d, $"frame {frame}'s descriptor");
        var rect = (d[0] | d[1] << 8, d[2] | d[3] << 8, d[4] | d[5] << 8, d[6] | d[7] << 8);
        _limits.CheckFrame(rect.Item3, rect.Item4, $"GIF '{_path}': frame {frame}");
        interlaced = (d[8] & 0x40) != 0;
        if ((d[8] & 0x80) != 0)
        {
            colors = 2 << (d[8] & 7);
            ReadExactly(_palette.AsSpan(0, colors * 3), $"frame {frame}'s colour table");
        }
        else
        {
            colors = _globalColors;
            if (colors > 0) _globalPalette.AsSpan(0, colors * 3).CopyTo(_palette);
        }
        return rect;
    }

    private readonly record struct GraphicControl(int Disposal, int TransparentIndex, int DelayCentiseconds)
    {
        public static GraphicControl None => new(0, -1, 0);
    }

    private GraphicControl ReadGraphicControl()
    {
        int size = ReadByte("a graphic control block");
        Span<byte> b = stackalloc byte[255];
        ReadExactly(b[..size], "a graphic control block");
        SkipSubBlocks("a graphic control block");
        if (size < 4) return GraphicControl.None;
        return new GraphicControl((b[0] >> 2) & 7, (b[0] & 1) != 0 ? b[3] : -1, b[1] | b[2] << 8);
    }

    /// <summary>
    /// Variable-width LZW (codes from minimum size + 1 up to 12 bits, LSB first, in sub-blocks of up to 255 bytes),
    /// written row by row onto the canvas, clipped to it; interlaced frames fill rows in the format's four passes.
    /// </summary>
    private void DecodeImage(int frame, (int Left, int Top, int Width, int Height) r, bool interlaced, int colors,
        int transparent, byte[] canvas)
    {
        int minCodeSize = ReadByte($"frame {frame}'s LZW code size");
        if (minCodeSize is < 1 or > 8) throw Damaged($"frame {frame}: LZW code size {minCodeSize} is outside 1 to 8");
        if (colors < 0) throw Damaged($"frame {frame} has no colour table (neither its own nor a global one)");
        var bits = new SubBlockBits(this, frame);
        var prefix = new short[MaxCodes];
        var suffix = new byte[MaxCodes];
        var stack = new byte[MaxCodes + 1];
        var row = new byte[Math.Max(r.Width, 1)];
        int clear = 1 << minCodeSize, end = clear + 1, next = end + 1, width = minCodeSize + 1, old = -1;
        byte first = 0;
        long total = (long)r.Width * r.Height, done = 0;
        int x = 0, y = 0, pass = 0;
        while (done < total)
        {
            int code = bits.Read(width);
            if (code < 0 || code == end) break;
            if (code == clear)
            {
                (next, width, old) = (end + 1, minCodeSize + 1, -1);
                continue;
            }
            int sp = 0, incoming = code;
            if (old < 0)
            {
                if (code >= clear)
                    throw Damaged($"frame {frame}: LZW code {code} follows a clear code, where a colour index " +
                        $"{clear - 1} or lower must");
                stack[sp++] = first = (byte)code;
            }
            else
            {
                if (code > next || code == MaxCodes)
                    throw Damaged($"frame {frame}: LZW code {code} where at most {Math.Min(next, MaxCodes - 1)} is " +
                        "defined");
                if (code == next) { stack[sp++] = first; code = old; }
                while (code > end) { stack[sp++] = suffix[code]; code = prefix[code]; }
                stack[sp++] = first = (byte)code;
                if (next < MaxCodes)
                {
                    prefix[next] = (short)old;
                    suffix[next] = first;
                    if (++next == 1 << width && width < 12) width++;
                }
            }
            old = incoming;
            while (sp > 0 && done < total)
            {
                row[x++] = stack[--sp];
                done++;
                if (x < r.Width) continue;
                DrawRow(canvas, r, y, row, colors, transparent);
                x = 0;
                y = NextRow(y, r.Height, interlaced, ref pass);
            }
        }
        bits.SkipRest();
        if (done < total)
            throw Damaged($"frame {frame}: the image data ends after {done} of its {total} pixels (truncated or " +
                "damaged)");
    }

    private static int NextRow(int y, int height, bool interlaced, ref int pass)
    {
        if (!interlaced) return y + 1;
        ReadOnlySpan<int> start = [0, 4, 2, 1], step = [8, 8, 4, 2];
        y += step[pass];
        while (y >= height && pass < 3) y = start[++pass];
        return y;
    }

    private void DrawRow(byte[] canvas, (int Left, int Top, int Width, int Height) r, int y, byte[] row, int colors,
        int transparent)
    {
        int cy = r.Top + y;
        if (cy >= Height) return;
        for (int x = 0, cx = r.Left; x < r.Width && cx < Width; x++, cx++)
        {
            int index = row[x];
            if (index == transparent) continue;
            int o = (cy * Width + cx) * 3;
            if (index < colors) _palette.AsSpan(index * 3, 3).CopyTo(canvas.AsSpan(o, 3));
            else canvas.AsSpan(o, 3).Clear();
        }
    }

    private void Clear(byte[] canvas, (int Left, int Top, int Width, int Height) r)
    {
        for (int cy = r.Top; cy < Math.Min(r.Top + r.Height, Height); cy++)
        {
            int x0 = Math.Min(r.Left, Width), x1 = Math.Min(r.Left + r.Width, Width);
            canvas.AsSpan((cy * Width + x0) * 3, (x1 - x0) * 3).Clear();
        }
    }

    /// <summary>The bits of one frame's image data, pulled from its sub-blocks as the decoder needs them.</summary>
    private sealed class SubBlockBits(GifDecoder gif, int frame)
    {
        private readonly byte[] _block = new byte[255];
        private int _length, _used, _bitBuffer, _bitCount;
        private bool _ended;

        /// <summary>
        /// The next code of <paramref name="width"/> bits, or −1 when the data ends (a zero-length sub-block).
        /// </summary>
        public int Read(int width)
        {
            while (_bitCount < width)
            {
                if (_used == _length && !NextBlock()) return -1;
                _bitBuffer |= _block[_used++] << _bitCount;
                _bitCount += 8;
            }
            int code = _bitBuffer & ((1 << width) - 1);
            _bitBuffer >>= width;
            _bitCount -= width;
            return code;
        }

        /// <summary>Skips what is left of the data up to its terminating zero-length sub-block.</summary>
        public void SkipRest()
        {
            while (NextBlock()) { }
        }

        private bool NextBlock()
        {
            if (_ended) return false;
            _length = gif.ReadByte($"frame {frame}'s image data");
            _used = 0;
            if (_length == 0) { _ended = true; return false; }
            gif.ReadExactly(_block.AsSpan(0, _length), $"frame {frame}'s image data");
            return true;
        }
    }

    private void SkipSubBlocks(string what)
    {
        for (int n = ReadByte(what); n != 0; n = ReadByte(what))
        {
            if (_in.Length - _in.Position < n) throw Damaged($"the file ends inside {what} (truncated)");
            _in.Seek(n, SeekOrigin.Current);
        }
    }

    private int ReadByte(string what)
    {
        int b = _in.ReadByte();
        return b >= 0 ? b : throw Damaged($"the file ends inside {what} (truncated)");
    }

    private void ReadExactly(Span<byte> buffer, string what)
    {
        if (_in.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
            throw Damaged($"the file ends inside {what} (truncated)");
    }

    private MediaException Damaged(string what) => new($"cannot decode GIF '{_path}' (GIF decoder): {what}");

    public void Dispose() => _in.Dispose();
}
