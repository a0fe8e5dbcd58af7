using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Pipeline.Media;

/// <summary>A label map: one byte per pixel (an object index, or 0/255 for a binary mask), row-major.</summary>
public sealed record LabelImage(int Width, int Height, byte[] Pixels);

/// <summary>
/// Label PNGs as the evaluation tools read them (<c>np.array(Image.open(path))</c>): 8-bit grayscale and palette
/// images give their stored values, palette indices included, which a color decoder would lose. Other PNGs (RGB,
/// 16-bit, interlaced) and other formats are decoded to colors, and a pixel is its gray value when the image is
/// gray, else 1 wherever it is not black. Writes 8-bit grayscale or palette PNGs (the DAVIS palette for indexed
/// results), byte-for-byte deterministic.
/// </summary>
public static class LabelPng
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static LabelImage Read(string path)
    {
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaException($"cannot read mask '{path}': {e.Message}", e);
        }
        try
        {
            return TryDecodeLabels(data) ?? DecodeColors(data);
        }
        catch (Exception e) when (e is InvalidDataException or UnknownImageFormatException or ImageFormatException
                                      or ArgumentException)
        {
            throw new MediaException($"mask '{path}' is not a readable image ({e.Message})", e);
        }
    }

    /// <summary>
    /// The values of an 8-bit (or lower) gray or palette PNG, non-interlaced; null for any other image.
    /// </summary>
    private static LabelImage? TryDecodeLabels(byte[] data)
    {
        if (data.Length < 8 || !data.AsSpan(0, 8).SequenceEqual(Signature)) return null;
        int pos = 8, width = 0, height = 0, depth = 0;
        var idat = new MemoryStream();
        while (pos + 8 <= data.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(pos));
            var type = Encoding.ASCII.GetString(data, pos + 4, 4);
            if (length < 0 || pos + 12L + length > data.Length)
                throw new InvalidDataException($"PNG chunk '{type}' runs past the end");
            var body = data.AsSpan(pos + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                depth = body[8];
                int color = body[9], interlace = body[12];
                if ((color != 0 && color != 3) || depth > 8 || interlace != 0) return null;
                if (width <= 0 || height <= 0 || (long)width * height > int.MaxValue)
                    throw new InvalidDataException($"PNG size {width}x{height}");
            }
            else if (type == "IDAT") idat.Write(body);
            else if (type == "IEND") break;
            pos += 12 + length;
        }
        if (width == 0) throw new InvalidDataException("PNG without IHDR");
        int stride = (width * depth + 7) / 8;
        var raw = new byte[(long)(stride + 1) * height];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.ReadExactly(raw);
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
                _ => throw new InvalidDataException($"PNG filter type {filter}"),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static LabelImage DecodeColors(byte[] data)
    {
        using var image = Image.Load<Rgba32>(data);
        var pixels = new byte[image.Width * image.Height];
        bool gray = true;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
                foreach (var p in rows.GetRowSpan(y)) gray &= p.R == p.G && p.G == p.B;
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                    pixels[y * rows.Width + x] = gray ? row[x].R
                        : (byte)(row[x].R | row[x].G | row[x].B) == 0 ? (byte)0 : (byte)1;
            }
        });
        return new LabelImage(image.Width, image.Height, pixels);
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
