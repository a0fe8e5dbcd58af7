using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using MRVS.Core.Errors;
using MRVS.Core.IO;
using MRVS.Core.Limits;

namespace MRVS.Pipeline.Media;

/// <summary>A label map: one byte per pixel (an object index, or 0/255 for a binary mask), row-major.</summary>
public sealed record LabelImage(int Width, int Height, byte[] Pixels);

/// <summary>
/// Label PNGs as the evaluation tools read them (<c>np.array(Image.open(path))</c>): 8-bit grayscale and palette
/// images give their stored values, palette indices included, which a color decoder would lose. Other PNGs (RGB,
/// 16-bit, interlaced) and other formats are decoded to colors (<see cref="ImageFileDecoder"/>, alpha dropped), and a
/// pixel is its gray value when the image is gray, else 1 wherever it is not black. Writes 8-bit grayscale or palette
/// PNGs (the DAVIS palette for indexed results), byte-for-byte deterministic.
/// </summary>
public static class LabelPng
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// The label map of a mask image. Its size is checked against <see cref="ResourceLimits.MaxFramePixels"/> and a
    /// PNG's chunk structure and CRCs (<see cref="PngStructure"/>) before it is decoded; a damaged file is refused
    /// naming it.
    /// </summary>
    /// <param name="path">The image.</param>
    /// <param name="limits">The limits to check against (the defaults when null).</param>
    public static LabelImage Read(string path, ResourceLimits? limits = null)
    {
        limits ??= ResourceLimits.Default;
        InputFile.RequireRegular(path, "mask");
        var data = InputFile.ReadAllBytes(path, "mask", MrvsErrorKind.BadInput, 4 * limits.MaxFramePixels + (1 << 20),
            nameof(ResourceLimits.MaxFramePixels));
        if (!data.AsSpan().StartsWith(Signature)) return FromColors(ImageFileDecoder.Load(path, limits));
        if (PngStructure.Problem(data) is { } problem)
            throw new MediaException($"cannot decode mask '{path}' (PNG structure check): {problem}");
        try
        {
            return TryDecodeLabels(data, path, limits) ?? FromColors(ImageFileDecoder.Load(path, limits));
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new MediaException($"cannot decode mask '{path}' (PNG label decoder): {e.Message}", e);
        }
    }

    /// <summary>
    /// The values of an 8-bit (or lower) gray or palette PNG, non-interlaced; null for any other image. The chunk
    /// structure has been checked (<see cref="PngStructure"/>).
    /// </summary>
    private static LabelImage? TryDecodeLabels(byte[] data, string path, ResourceLimits limits)
    {
        int pos = 8, width = 0, height = 0, depth = 0;
        var idat = new MemoryStream();
        while (pos + 8 <= data.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(pos));
            var type = Encoding.ASCII.GetString(data, pos + 4, 4);
            var body = data.AsSpan(pos + 8, length);
            if (type == "IHDR")
            {
                if (length < 13) throw new InvalidDataException($"its IHDR chunk holds {length} bytes, expected 13");
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                depth = body[8];
                int color = body[9], interlace = body[12];
                if (width <= 0 || height <= 0)
                    throw new InvalidDataException($"its header declares a size of {width}x{height}");
                if ((color != 0 && color != 3) || depth > 8 || interlace != 0) return null;
                if (depth is not (1 or 2 or 4 or 8))
                    throw new InvalidDataException($"its header declares a bit depth of {depth}, expected 1, 2, 4 or " +
                        $"8");
                limits.CheckFrame(width, height, $"mask '{path}'");
            }
            else if (type == "IDAT") idat.Write(body);
            else if (type == "IEND") break;
            pos += 12 + length;
        }
        int stride = (width * depth + 7) / 8;
        var raw = new byte[(long)(stride + 1) * height];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
        {
            try { z.ReadExactly(raw); }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException($"its image data ends before the {width}x{height} pixels it declares");
            }
        }
        var pixels = new byte[width * height];
        var prev = new byte[stride];
        var cur = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            int filter = raw[y * (stride + 1)];
            raw.AsSpan(y * (stride + 1) + 1, stride).CopyTo(cur);
            Unfilter(filter, cur, prev, Math.Max(1, depth / 8));
            for (int x = 0; x < width; x++)
            {
                int bit = x * depth;
                pixels[y * width + x] = depth == 8
                    ? cur[x]
                    : (byte)((cur[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1));
            }
            (prev, cur) = (cur, prev);
        }
        return new LabelImage(width, height, pixels);
    }

    private static void Unfilter(int filter, Span<byte> cur, ReadOnlySpan<byte> prev, int bpp)
    {
        for (int i = 0; i < cur.Length; i++)
        {
            int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
            cur[i] += filter switch
            {
                0 => 0,
                1 => (byte)a,
                2 => (byte)b,
                3 => (byte)((a + b) >> 1),
                4 => (byte)Paeth(a, b, c),
                _ => throw new InvalidDataException($"row filter type {filter} is not one of 0 to 4"),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>A colour image as labels: its gray value when the image is gray, else 1 wherever it is not
    /// black.</summary>
    private static LabelImage FromColors(RgbFrame frame)
    {
        var rgb = frame.Rgb;
        var pixels = new byte[frame.Width * frame.Height];
        bool gray = true;
        for (int i = 0; i < pixels.Length && gray; i++)
            gray = rgb[3 * i] == rgb[3 * i + 1] && rgb[3 * i + 1] == rgb[3 * i + 2];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = gray ? rgb[3 * i] : (byte)((rgb[3 * i] | rgb[3 * i + 1] | rgb[3 * i + 2]) == 0 ? 0 : 1);
        return new LabelImage(frame.Width, frame.Height, pixels);
    }

    /// <summary>
    /// An 8-bit PNG of the values: grayscale, or palette-indexed with <paramref name="palette"/> (RGB triples).
    /// </summary>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height,
        ReadOnlySpan<byte> palette = default)
    {
        if (width <= 0 || height <= 0 || pixels.Length != (long)width * height)
            throw new MediaException($"label map for '{path}': {pixels.Length} bytes, expected {width}x{height}");
        var raw = new byte[(long)(width + 1) * height];
        for (int y = 0; y < height; y++) pixels.Slice(y * width, width).CopyTo(raw.AsSpan(y * (width + 1) + 1));
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw);

        var png = new MemoryStream();
        png.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = (byte)(palette.IsEmpty ? 0 : 3);
        Chunk(png, "IHDR", header);
        if (!palette.IsEmpty) Chunk(png, "PLTE", palette);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        try { File.WriteAllBytes(path, png.ToArray()); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException($"cannot write mask PNG '{path}': {e.Message}", e);
        }
    }

    private static void Chunk(Stream s, string type, ReadOnlySpan<byte> body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, body.Length);
        s.Write(word);
        var typed = new byte[4 + body.Length];
        Encoding.ASCII.GetBytes(type, typed);
        body.CopyTo(typed.AsSpan(4));
        s.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        s.Write(word);
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var b in bytes) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    /// <summary>
    /// The DAVIS / PASCAL VOC palette (<c>davis2017.utils.color_map</c>, the palette of the DAVIS annotations): the
    /// bits of each index spread over the high bits of R, G and B.
    /// </summary>
    public static byte[] DavisPalette()
    {
        var palette = new byte[256 * 3];
        for (int i = 0; i < 256; i++)
        {
            int r = 0, g = 0, b = 0, c = i;
            for (int j = 0; j < 8; j++)
            {
                r |= (c & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            (palette[3 * i], palette[3 * i + 1], palette[3 * i + 2]) = ((byte)r, (byte)g, (byte)b);
        }
        return palette;
    }
}
