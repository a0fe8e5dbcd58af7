using MRVS.Pipeline.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MRVS.Tests.Media;

public class MaskOutputTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = Directory.CreateTempSubdirectory("mrvs-mask").FullName;
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void MaskPngRoundTripsAsGrayscale0And255()
    {
        var path = Path.Combine(_dir, "00000.png");
        byte[] mask = [0, 1, 0, 1, 1, 7, 0, 0, 0, 0, 0, 1];
        MaskPngWriter.Write(path, mask, 4, 3);

        var info = Image.Identify(path);
        Assert.That((info.Width, info.Height, info.PixelType.BitsPerPixel), Is.EqualTo((4, 3, 8)));
        using var image = Image.Load<L8>(path);
        var pixels = new byte[12];
        image.CopyPixelDataTo(pixels);
        Assert.That(pixels, Is.EqualTo(mask.Select(m => m != 0 ? (byte)255 : (byte)0)));
    }

    [Test]
    public void MaskOfTheWrongSizeIsAnError()
    {
        var e = Assert.Throws<MediaException>(() => MaskPngWriter.Write(Path.Combine(_dir, "m.png"), new byte[5], 2, 3))!;
        Assert.That(e.Message, Does.Contain("2x3"));
    }

    // 5x5 grey (100) frame, 3x3 mask in the middle: the ring of 8 mask pixels touching background is solid red,
    // the centre is tinted: (100 + 255 + 1) >> 1 = 178 for red, (100 + 0 + 1) >> 1 = 50 for green and blue.
    [Test]
    public void OverlayTintsTheMaskAndDrawsItsBoundary()
    {
        var frame = MediaTestImages.Solid("f", 5, 5, 100, 100, 100);
        var mask = new byte[25];
        for (int y = 1; y <= 3; y++)
            for (int x = 1; x <= 3; x++) mask[y * 5 + x] = 1;

        var overlay = MaskOverlay.Render(frame, mask);

        Assert.That(MediaTestImages.Pixel(overlay, 2, 2), Is.EqualTo(((byte)178, (byte)50, (byte)50)));
        Assert.That(MediaTestImages.Pixel(overlay, 1, 1), Is.EqualTo(((byte)255, (byte)0, (byte)0)));
        Assert.That(MediaTestImages.Pixel(overlay, 3, 2), Is.EqualTo(((byte)255, (byte)0, (byte)0)));
        Assert.That(MediaTestImages.Pixel(overlay, 0, 0), Is.EqualTo(((byte)100, (byte)100, (byte)100)));
        Assert.That(MediaTestImages.Pixel(overlay, 4, 2), Is.EqualTo(((byte)100, (byte)100, (byte)100)));
        Assert.That(frame.Rgb, Is.All.EqualTo((byte)100), "the input frame is left alone");
    }

    [Test]
    public void OverlayGifHasOneFramePerMask()
    {
        var path = Path.Combine(_dir, "overlay.gif");
        var frames = Enumerable.Range(0, 3).Select(i => MediaTestImages.Solid($"{i}", 8, 6, 0, 0, 200)).ToList();
        var masks = Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, 48).Select(p => (byte)(p % 8 <= i ? 1 : 0)).ToArray()).ToList();

        AnimatedGifWriter.Write(path, frames.Zip(masks, (f, m) => MaskOverlay.Render(f, m)), 10);

        var read = FrameSource.Open(path).ReadFrames().ToList();
        Assert.That(read, Has.Count.EqualTo(3));
        Assert.That(MediaTestImages.Pixel(read[2], 7, 3), Is.EqualTo(((byte)0, (byte)0, (byte)200)), "outside the mask");
        Assert.That(MediaTestImages.Pixel(read[2], 0, 3).Item1, Is.GreaterThan(100), "mask tinted red");
    }
}
