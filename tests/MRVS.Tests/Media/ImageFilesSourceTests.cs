using MRVS.Pipeline.Media;

namespace MRVS.Tests.Media;

public class ImageFilesSourceTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-media").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    private string Png(string name, byte value, int w = 4, int h = 3)
    {
        var path = Path.Combine(_dir, name);
        MediaTestImages.WritePng(path, w, h, value);
        return path;
    }

    [Test]
    public void FolderIsReadInNaturalOrderWithPixelsAndNames()
    {
        Png("frame10.png", 30);
        Png("frame2.png", 20);
        Png("frame1.png", 10);
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "not a frame");
        Png(".hidden.png", 99);

        var source = FrameSource.Open(_dir);
        var frames = source.ReadFrames().ToList();

        Assert.That(source, Is.TypeOf<ImageFilesSource>());
        Assert.That(source.FrameCount, Is.EqualTo(3));
        Assert.That(frames.Select(f => f.Name), Is.EqualTo(new[] { "frame1", "frame2", "frame10" }));
        Assert.That(frames.Select(f => MediaTestImages.Pixel(f, 3, 2)),
            Is.EqualTo(new[] { ((byte)10, (byte)20, (byte)30), ((byte)20, (byte)40, (byte)60), ((byte)30, (byte)60,
                (byte)90) }));
        Assert.That((frames[0].Width, frames[0].Height), Is.EqualTo((4, 3)));
    }

    [Test]
    public void ExplicitFilesKeepTheGivenOrder()
    {
        var b = Png("b.png", 2);
        var a = Png("a.png", 1);
        var frames = FrameSource.Open([b, a]).ReadFrames().Select(f => f.Name).ToList();
        Assert.That(frames, Is.EqualTo(new[] { "b", "a" }));
    }

    [Test]
    public void CorruptImageErrorNamesTheFile()
    {
        Png("frame1.png", 1);
        var bad = Path.Combine(_dir, "frame2.png");
        File.WriteAllBytes(bad, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        var e = Assert.Throws<MediaException>(() => FrameSource.Open(_dir).ReadFrames().ToList())!;
        Assert.That(e.Message, Does.Contain(bad));
    }

    [Test]
    public void FramesAreDecodedLazily()
    {
        Png("frame1.png", 1);
        File.WriteAllBytes(Path.Combine(_dir, "frame2.png"), [1, 2, 3]);
        var first = FrameSource.Open(_dir).ReadFrames().First();
        Assert.That(first.Name, Is.EqualTo("frame1"));
    }

    [Test]
    public void FrameOfAnotherSizeNamesTheFirstOffendingFile()
    {
        Png("f1.png", 1);
        Png("f2.png", 2);
        var odd = Png("f3.png", 3, w: 5);
        Png("f4.png", 4, w: 6);
        var e = Assert.Throws<MediaException>(() => FrameSource.Open(_dir).ReadFrames().ToList())!;
        Assert.That(e.Message, Does.Contain(odd).And.Contain("5x3").And.Contain("4x3"));
    }

    [Test]
    public void FolderWithoutImagesIsAnError()
    {
        File.WriteAllText(Path.Combine(_dir, "readme.txt"), "");
        var e = Assert.Throws<MediaException>(() => FrameSource.Open(_dir))!;
        Assert.That(e.Message, Does.Contain(_dir).And.Contain("no images"));
    }

    [Test]
    public void UnknownExtensionIsAnError()
    {
        var path = Path.Combine(_dir, "clip.xyz");
        File.WriteAllText(path, "");
        var e = Assert.Throws<MediaException>(() => FrameSource.Open(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("'.xyz'").And.Contain(".mp4"));
    }

    [Test]
    public void MissingPathIsAnError()
    {
        var path = Path.Combine(_dir, "nope");
        var e = Assert.Throws<MediaException>(() => FrameSource.Open(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("does not exist"));
    }

    [Test]
    public void ListWithAFolderIsAnError()
    {
        var png = Png("a.png", 1);
        var e = Assert.Throws<MediaException>(() => FrameSource.Open([png, _dir]))!;
        Assert.That(e.Message, Does.Contain(_dir).And.Contain("folder"));
    }

    [Test]
    public void NoInputIsAnError() => Assert.Throws<MediaException>(() => FrameSource.Open(Array.Empty<string>()));
}
