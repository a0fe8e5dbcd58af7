namespace MRVS.Pipeline.Media;

/// <summary>
/// The frame count and frame rate of a GIF read from its block structure alone (no LZW decoding), so they are
/// known before the frames are decoded. A file the scan does not understand yields null; decoding reports why.
/// </summary>
internal sealed record GifTimeline(int FrameCount, double? FramesPerSecond)
{
    private const byte ExtensionIntroducer = 0x21, ImageDescriptor = 0x2C, Trailer = 0x3B, GraphicControl = 0xF9;

    public static GifTimeline? Scan(string path)
    {
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            return Scan(reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private static GifTimeline? Scan(BinaryReader r)
    {
        var signature = r.ReadBytes(6);
        if (signature.Length != 6 || signature[0] != 'G' || signature[1] != 'I' || signature[2] != 'F') return null;
        r.ReadBytes(4); // logical screen width and height
        byte flags = r.ReadByte();
        r.ReadBytes(2); // background colour index, pixel aspect ratio
        SkipColorTable(r, flags);

        int frames = 0;
        long delayCentiseconds = 0;
        while (true)
        {
            switch (r.ReadByte())
            {
                case ExtensionIntroducer:
                    if (r.ReadByte() == GraphicControl)
                    {
                        byte size = r.ReadByte();
                        var block = r.ReadBytes(size);
                        if (block.Length >= 3) delayCentiseconds += block[1] | block[2] << 8;
                    }
                    SkipSubBlocks(r);
                    break;
                case ImageDescriptor:
                    r.ReadBytes(8); // left, top, width, height
                    SkipColorTable(r, r.ReadByte());
                    r.ReadByte(); // LZW minimum code size
                    SkipSubBlocks(r);
                    frames++;
                    break;
                case Trailer:
                    return frames == 0 ? null : new GifTimeline(frames, delayCentiseconds > 0 ? 100.0 * frames / delayCentiseconds : null);
                default:
                    return null;
            }
        }
    }

    private static void SkipColorTable(BinaryReader r, byte flags)
    {
        if ((flags & 0x80) != 0) r.BaseStream.Seek(3 << ((flags & 0x07) + 1), SeekOrigin.Current);
    }

    private static void SkipSubBlocks(BinaryReader r)
    {
        for (byte n = r.ReadByte(); n != 0; n = r.ReadByte())
            r.BaseStream.Seek(n, SeekOrigin.Current);
    }
}
