using MRVS.Pipeline.Media;
using MRVS.Tests.Media;
using MRVS.Tests.Segmentation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Tests.Robustness;

/// <summary>
/// Media that declare more than they hold, or are cut or damaged (issue 10): refused with one line that names the file,
/// before anything of the declared size is allocated, or decoded within a bounded memory.
/// </summary>
[NonParallelizable]
public class HostileMediaTests
{
    private static readonly byte[] Palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];
    private TestModelFolder _model = null!;
    private string _dir = "";

    [OneTimeSetUp] public void OneTimeSetUp() => _model = new TestModelFolder("socpp-tiny");
    [OneTimeTearDown] public void OneTimeTearDown() => _model.Dispose();
    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-hostile-media-").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string Out => Path.Combine(_dir, "out");

    private Mrvs.Result Segment(string input, params string[] more) =>
        Mrvs.Run(["segment", "--model", _model.Path, "--text", "the red ball", "--input", input, "--out", Out,
            "--backend", "cpu", .. more]);

    private void AssertNothingWritten()
    {
        Assert.That(Directory.Exists(Out), Is.False, "no output folder");
        Assert.That(Directory.GetDirectories(_dir, ".out.*"), Is.Empty, "no staging folder");
    }

    private string Write(string name, byte[] bytes)
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    private string HandGif(string name, int width, int height, int frames)
    {
        var path = Path.Combine(_dir, name);
        HandWrittenGif.Write(path, width, height, Palette,
            Enumerable.Range(0, frames).Select(i => new HandWrittenGif.Frame(0, 0, 1, 1, [(byte)(i % 4)])).ToArray());
        return path;
    }

    private string NoiseGif(int frames = 5)
    {
        var path = Path.Combine(_dir, "noise.gif");
        AnimatedGifWriter.Write(path, TestFrames.Noise(frames, 64, 48), 10);
        return path;
    }

    [Test]
    public void GifCanvasOverTheFrameLimitIsRefusedBeforeDecoding()
    {
        var gif = HandGif("huge.gif", 65535, 65535, 1);
        Assert.That(new FileInfo(gif).Length, Is.LessThan(400));
        AssertRefusedSmall(gif, "huge.gif", "65535x65535", "MaxFramePixels");
    }

    /// <summary>Segmenting <paramref name="input"/> fails naming it, writes nothing and stays small in
    /// memory.</summary>
    private void AssertRefusedSmall(string input, params string[] mentions)
    {
        Mrvs.Result r = default;
        long peak = PeakMemory.Above(() => r = Segment(input));
        Mrvs.AssertFailure(r, mentions);
        AssertNothingWritten();
        Assert.That(peak, Is.LessThan(300 * PeakMemory.MiB), "peak memory");
    }

    [Test]
    public void LongGifIsDecodedFrameByFrame()
    {
        // 100 frames of a 2000x2000 canvas in a few kilobytes: 1.2 GB when decoded at once.
        var gif = HandGif("long.gif", 2000, 2000, 100);
        List<RgbFrame> first = [];
        long peak = PeakMemory.Above(() => first = FrameSource.Open(gif).ReadFrames().Take(2).ToList());
        Assert.That(first.Select(f => (f.Width, f.Height)), Is.All.EqualTo((2000, 2000)));
        Assert.That(peak, Is.LessThan(200 * PeakMemory.MiB), "reading two frames holds about two canvases");
    }

    [Test]
    public void PngDeclaringAHugeSizeIsRefusedBeforeDecoding()
    {
        var png = Write("huge.png", HostileFiles.PngHeader(12000, 12000));
        Assert.That(new FileInfo(png).Length, Is.LessThan(80));
        AssertRefusedSmall(png, "huge.png", "12000x12000", "MaxFramePixels");
    }

    [TestCase(0.15)]
    [TestCase(0.35)]
    [TestCase(0.5)]
    [TestCase(0.75)]
    [TestCase(0.9)]
    [TestCase(0.99)]
    public void TruncatedGifIsRefused(double kept)
    {
        var whole = File.ReadAllBytes(NoiseGif());
        var gif = Write("cut.gif", whole[..(int)(whole.Length * kept)]);
        Mrvs.AssertFailure(Segment(gif, "--clip", "1"), "cut.gif", "truncated");
        AssertNothingWritten();
    }

    [Test]
    public void GifCutTo2KilobytesIsNotOneFrame()
    {
        var whole = File.ReadAllBytes(NoiseGif());
        Assert.That(whole.Length, Is.GreaterThan(4096));
        Mrvs.AssertFailure(Segment(Write("cut.gif", whole[..2048])), "cut.gif", "truncated");
        AssertNothingWritten();
    }

    /// <summary>
    /// Damage the format can see: a block that starts with an unknown byte, LZW codes that were never defined.
    /// </summary>
    [TestCase("block")]
    [TestCase("lzw")]
    [TestCase("trailer")]
    public void DamagedGifIsRefusedNamingTheFrame(string damage)
    {
        var bytes = File.ReadAllBytes(NoiseGif());
        // The writer's frames start with a graphic control block (21 F9 04); the second frame's is found after the
        // first.
        int second = bytes.AsSpan(bytes.AsSpan().IndexOf((byte)0x2C) + 1).IndexOf(new byte[] { 0x21, 0xF9, 0x04 })
            + bytes.AsSpan().IndexOf((byte)0x2C) + 1;
        switch (damage)
        {
            case "block": bytes[second] = 0x77; break;
            case "lzw":
                int data = second - 40; // inside the first frame's LZW data
                bytes.AsSpan(data, 24).Fill(0xFF);
                break;
            case "trailer": bytes[^1] = 0x00; break;
        }
        var line = Mrvs.AssertFailure(Segment(Write("bad.gif", bytes), "--clip", "1"), "bad.gif");
        Assert.That(line, Does.Contain("GIF"));
        AssertNothingWritten();
    }

    private byte[] Jpeg()
    {
        var frame = TestFrames.NoiseFrame(0, 64, 48);
        using var image = Image.LoadPixelData<Rgb24>(frame.Rgb, 64, 48);
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms);
        return ms.ToArray();
    }

    [TestCase(0.3)]
    [TestCase(0.6)]
    [TestCase(0.9)]
    [TestCase(0.995)]
    public void TruncatedJpegIsRefused(double kept)
    {
        var whole = Jpeg();
        var jpg = Write("cut.jpg", whole[..(int)(whole.Length * kept)]);
        Mrvs.AssertFailure(Segment(jpg), "cut.jpg", "truncated");
        AssertNothingWritten();
    }

    [Test]
    public void JpegWithADamagedMarkerIsRefused()
    {
        var bytes = Jpeg();
        int sos = HostileFiles.IndexOf(bytes, [0xFF, 0xDA]);
        // The byte before the scan's marker ends the previous segment: now garbage stands between segments.
        bytes[sos - 2] = 0x12;
        bytes[sos] = 0x00;
        Mrvs.AssertFailure(Segment(Write("bad.jpg", bytes)), "bad.jpg", "JPEG");
        AssertNothingWritten();
    }

    [Test]
    public void PngWithAFlippedBitIsRefused()
    {
        var frame = TestFrames.NoiseFrame(0, 64, 48);
        using var image = Image.LoadPixelData<Rgb24>(frame.Rgb, 64, 48);
        using var ms = new MemoryStream();
        image.SaveAsPng(ms);
        var bytes = ms.ToArray();
        bytes[HostileFiles.IndexOf(bytes, "IDAT"u8.ToArray()) + 40] ^= 0x10;
        Mrvs.AssertFailure(Segment(Write("bad.png", bytes)), "bad.png");
        AssertNothingWritten();
    }

    [TestCase("truncated")]
    [TestCase("damaged")]
    public void DamagedVideoIsRefused(string damage)
    {
        if (!FfmpegVideoWriter.IsAvailable) Assert.Ignore("skipped: ffmpeg is not on PATH");
        var mp4 = Path.Combine(_dir, "clip.mp4");
        FfmpegVideoWriter.Write(mp4, TestFrames.Noise(12, 64, 48), 10);
        var bytes = File.ReadAllBytes(mp4);
        int mdat = HostileFiles.IndexOf(bytes, "mdat"u8.ToArray());
        if (damage == "truncated") bytes = bytes[..(mdat + (bytes.Length - mdat) / 2)];
        else for (int i = mdat + 200; i < bytes.Length - 200; i += 97) bytes[i] ^= 0x5A;
        Mrvs.AssertFailure(Segment(Write("bad.mp4", bytes), "--clip", "4"), "bad.mp4");
        AssertNothingWritten();
    }
}
