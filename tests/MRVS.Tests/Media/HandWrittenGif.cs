namespace MRVS.Tests.Media;

/// <summary>
/// Writes GIFs byte by byte, so tests control what encoders do not expose: frames covering only part of the
/// canvas and their disposal. Pixels are LZW-coded without compression: a clear code after every two pixels keeps
/// the code width at its initial 3 bits (2-bit colour indices, 4-colour global palette).
/// </summary>
public static class HandWrittenGif
{
    public sealed record Frame(int Left, int Top, int Width, int Height, byte[] Indices, int DelayCentiseconds = 10);

    private const int ClearCode = 4, EndCode = 5, CodeBits = 3;

    public static void Write(string path, int width, int height, byte[] palette, params Frame[] frames)
    {
        if (palette.Length != 4 * 3) throw new ArgumentException("4 RGB colours expected", nameof(palette));
        var gif = new List<byte>();
        gif.AddRange("GIF89a"u8.ToArray());
        AddUInt16(gif, width);
        AddUInt16(gif, height);
        gif.AddRange([0x81, 0, 0]); // global colour table of 2^(1+1) entries
        gif.AddRange(palette);
        gif.AddRange([0x21, 0xFF, 11, .. "NETSCAPE2.0"u8.ToArray(), 3, 1, 0, 0, 0]); // loop forever
        foreach (var f in frames)
        {
            gif.AddRange([0x21, 0xF9, 4, 1 << 2]); // graphic control: disposal 1 (keep the frame)
            AddUInt16(gif, f.DelayCentiseconds);
            gif.AddRange([0, 0]);
            gif.Add(0x2C);
            AddUInt16(gif, f.Left);
            AddUInt16(gif, f.Top);
            AddUInt16(gif, f.Width);
            AddUInt16(gif, f.Height);
            gif.Add(0); // no local colour table, not interlaced
            gif.Add(2); // LZW minimum code size
            var data = Lzw(f.Indices);
            for (int i = 0; i < data.Length; i += 255)
            {
                int n = Math.Min(255, data.Length - i);
                gif.Add((byte)n);
                gif.AddRange(data.AsSpan(i, n).ToArray());
            }
            gif.Add(0);
        }
        gif.Add(0x3B);
        File.WriteAllBytes(path, gif.ToArray());
    }

    private static byte[] Lzw(byte[] indices)
    {
        var codes = new List<int>();
        for (int i = 0; i < indices.Length; i++)
        {
            if (i % 2 == 0) codes.Add(ClearCode);
            codes.Add(indices[i]);
        }
        codes.Add(EndCode);
        var bytes = new byte[(codes.Count * CodeBits + 7) / 8];
        for (int i = 0; i < codes.Count; i++)
            for (int b = 0; b < CodeBits; b++)
                if ((codes[i] >> b & 1) != 0)
                {
                    int bit = i * CodeBits + b;
                    bytes[bit / 8] |= (byte)(1 << bit % 8);
                }
        return bytes;
    }

    private static void AddUInt16(List<byte> bytes, int value) => bytes.AddRange([(byte)value, (byte)(value >> 8)]);
}
