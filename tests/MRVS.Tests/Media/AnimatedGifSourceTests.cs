using MRVS.Pipeline.Media;

namespace MRVS.Tests.Media;

public class AnimatedGifSourceTests
{
    // red, green, blue, white
    private static readonly byte[] Palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];
    private static readonly (byte, byte, byte) Red = (255, 0, 0), Green = (0, 255, 0), Blue = (0, 0, 255);

    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-gif").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>4x3 canvas: frame 0 all red; frame 1 paints 2x1 green at (1, 1); frame 2 paints 1 blue pixel at (0,
    /// 0).</summary>
    private string PartialFramesGif()
    {
        var path = Path.Combine(_dir, "anim.gif");
        HandWrittenGif.Write(path, 4, 3, Palette,
            new HandWrittenGif.Frame(0, 0, 4, 3, new byte[12]),
            new HandWrittenGif.Frame(1, 1, 2, 1, [1, 1]),
            new HandWrittenGif.Frame(0, 0, 1, 1, [2], DelayCentiseconds: 40));
        return path;
    }

    [Test]
    public void PartialFramesAreCompositedOntoTheFullCanvas()
    {
        var source = FrameSource.Open(PartialFramesGif());
        var frames = source.ReadFrames().ToList();

        Assert.That(source, Is.TypeOf<AnimatedGifSource>());
        Assert.That(frames.Select(f => f.Name), Is.EqualTo(new[] { "00000", "00001", "00002" }));
        Assert.That(frames.Select(f => (f.Width, f.Height)), Is.All.EqualTo((4, 3)));
        Assert.That(Enumerable.Range(0, 12).Select(i => MediaTestImages.Pixel(frames[0], i % 4, i / 4)),
            Is.All.EqualTo(Red));
        Assert.That(MediaTestImages.Pixel(frames[1], 1, 1), Is.EqualTo(Green));
        Assert.That(MediaTestImages.Pixel(frames[1], 2, 1), Is.EqualTo(Green));
        Assert.That(MediaTestImages.Pixel(frames[1], 0, 0), Is.EqualTo(Red));
        Assert.That(MediaTestImages.Pixel(frames[1], 3, 2), Is.EqualTo(Red));
        Assert.That(MediaTestImages.Pixel(frames[2], 0, 0), Is.EqualTo(Blue));
        Assert.That(MediaTestImages.Pixel(frames[2], 2, 1), Is.EqualTo(Green), "frame 1 stays under frame 2");
    }

    [Test]
    public void FrameCountAndRateAreKnownBeforeDecoding()
    {
        var source = FrameSource.Open(PartialFramesGif());
        Assert.That(source.FrameCount, Is.EqualTo(3));
        Assert.That(source.FramesPerSecond, Is.EqualTo(3 * 100.0 / 60).Within(1e-9), "delays 10 + 10 + 40 cs");
    }

    [Test]
    public void WrittenGifReadsBackFrameByFrame()
    {
        var path = Path.Combine(_dir, "written.gif");
        var colours = new[] { Red, Green, Blue, ((byte)255, (byte)255, (byte)255) };
        AnimatedGifWriter.Write(path, colours.Select((c, i) => MediaTestImages.Solid($"{i}", 6, 5, c.Item1, c.Item2,
            c.Item3)), 20);

        var source = FrameSource.Open(path);
        var frames = source.ReadFrames().ToList();

        Assert.That(source.FrameCount, Is.EqualTo(4));
        Assert.That(source.FramesPerSecond, Is.EqualTo(20).Within(1e-9));
        Assert.That(frames, Has.Count.EqualTo(4));
        for (int i = 0; i < 4; i++)
            Assert.That(MediaTestImages.Pixel(frames[i], 5, 4), Is.EqualTo(colours[i]), $"frame {i}");
    }

    [Test]
    public void CorruptGifErrorNamesTheFile()
    {
        var path = Path.Combine(_dir, "broken.gif");
        File.WriteAllBytes(path, "GIF89a\x04\x00"u8.ToArray());
        // The block structure is scanned when the source opens, so the damage is reported before any frame is decoded.
        var e = Assert.Throws<MediaException>(() => FrameSource.Open(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("truncated"));
    }
}
