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
        var e = Assert.Throws<MediaException>(() => MaskPngWriter.Write(Path.Combine(_dir, "m.png"), new byte[5], 2,
            3))!;
        Assert.That(e.Message, Does.Contain("2x3"));
    }

    private static readonly (byte, byte, byte) Cyan = (0, 255, 255), Yellow = (255, 255, 0), Grey40 = (40, 40, 40),
        Grey100 = (100, 100, 100), Blended = (120, 120, 120);

    /// <summary>A frame of one colour, a square mask of side <paramref name="side"/> at (x0, y0).</summary>
    private static (RgbFrame Frame, byte[] Mask) Square(int width, int height, (byte R, byte G, byte B) colour,
        int x0, int y0, int side)
    {
        var frame = MediaTestImages.Solid("f", width, height, colour.R, colour.G, colour.B);
        var mask = new byte[width * height];
        for (int y = y0; y < y0 + side; y++)
            for (int x = x0; x < x0 + side; x++) mask[y * width + x] = 1;
        return (frame, mask);
    }

    // A red object gets the cyan tint: the ring of mask pixels touching background is solid cyan, the inside is
    // 60 % frame, 40 % cyan: ((3·200 + 2·0 + 2) / 5, (3·30 + 2·255 + 2) / 5, the same) = (120, 120, 120).
    [Test]
    public void OverlayTintsTheMaskInAContrastingColourAndDrawsItsContour()
    {
        var (frame, mask) = Square(40, 30, (200, 30, 30), 10, 12, 6);

        var overlay = new MaskOverlay("the red ball");
        var drawn = overlay.Render(frame, mask, 0.5f);

        Assert.That(overlay.Tint, Is.EqualTo(new RgbColour(0, 255, 255)));
        Assert.That(MediaTestImages.Pixel(drawn, 12, 14), Is.EqualTo(Blended), "inside");
        Assert.That(MediaTestImages.Pixel(drawn, 10, 12), Is.EqualTo(Cyan), "corner of the contour");
        Assert.That(MediaTestImages.Pixel(drawn, 15, 14), Is.EqualTo(Cyan), "right edge");
        Assert.That(MediaTestImages.Pixel(drawn, 16, 14), Is.EqualTo(((byte)200, (byte)30, (byte)30)), "outside");
        Assert.That(frame.Rgb.Chunk(3).Select(p => (p[0], p[1], p[2])), Is.All.EqualTo(((byte)200, (byte)30, (byte)30)),
            "the input frame is left alone");
    }

    [Test]
    public void TintIsChosenOnTheFirstMaskAndKeptForTheVideo()
    {
        var overlay = new MaskOverlay("x");
        var (grey, empty) = (MediaTestImages.Solid("f", 40, 30, 90, 90, 90), new byte[40 * 30]);
        overlay.Render(grey, empty, 0);
        Assert.That(overlay.Tint, Is.Null, "no mask yet, no colour chosen");

        var (cyanObject, mask) = Square(40, 30, (0, 200, 200), 10, 12, 6);
        overlay.Render(cyanObject, mask, 0.9f);
        Assert.That(overlay.Tint, Is.EqualTo(new RgbColour(255, 255, 0)), "a cyan object is drawn in yellow");

        var (redObject, _) = Square(40, 30, (200, 30, 30), 10, 12, 6);
        var drawn = overlay.Render(redObject, mask, 0.9f);
        Assert.That(MediaTestImages.Pixel(drawn, 10, 12), Is.EqualTo(Yellow), "still yellow");
    }

    [Test]
    public void ContourIsTwoPixelsWideOnLargeFrames()
    {
        var (frame, mask) = Square(480, 360, (200, 30, 30), 100, 100, 20);
        var drawn = new MaskOverlay("x").Render(frame, mask, 1);
        Assert.That(MediaTestImages.Pixel(drawn, 101, 110), Is.EqualTo(Cyan), "second contour pixel");
        Assert.That(MediaTestImages.Pixel(drawn, 102, 110), Is.EqualTo(Blended), "inside");
    }

    // The caption's band is the frame darkened to 40 % (100 → 40) with the text in white: the opening quote's
    // first row (0x0A) lights columns 1 and 3 of its glyph, which starts one pixel in from the corner.
    [Test]
    public void CaptionShowsTheSentenceAndScoreTopLeft()
    {
        var frame = MediaTestImages.Solid("f", 160, 120, 100, 100, 100);
        var drawn = new MaskOverlay("the red ball").Render(frame, new byte[160 * 120], 0.87f);

        Assert.That(MediaTestImages.Pixel(drawn, 2, 1), Is.EqualTo(((byte)255, (byte)255, (byte)255)));
        Assert.That(MediaTestImages.Pixel(drawn, 4, 1), Is.EqualTo(((byte)255, (byte)255, (byte)255)));
        Assert.That(MediaTestImages.Pixel(drawn, 1, 1), Is.EqualTo(Grey40));
        int bandWidth = BitmapFont.Measure("\"the red ball\" 0.87", 1) + 2;
        Assert.That(MediaTestImages.Pixel(drawn, bandWidth - 1, 8), Is.EqualTo(Grey40), "band");
        Assert.That(MediaTestImages.Pixel(drawn, bandWidth, 8), Is.EqualTo(Grey100), "past the band");
        Assert.That(MediaTestImages.Pixel(drawn, 1, 9), Is.EqualTo(Grey100), "below the band");
    }

    [TestCase("the red ball", 0.87f, 40, "\"the red ball\" 0.87")]
    [TestCase("the red ball", 1f, 15, "\"the r...\" 1.00")]
    [TestCase("the red ball", 0.5f, 10, "0.50")]
    [TestCase("la balle rouge é", 0.5f, 40, "\"la balle rouge ?\" 0.50")]
    public void CaptionFitsTheFrame(string sentence, float score, int maxChars, string expected)
    {
        var caption = MaskOverlay.Caption(sentence, score, maxChars);
        Assert.That(caption, Is.EqualTo(expected));
        Assert.That(caption, Has.Length.LessThanOrEqualTo(maxChars));
    }

    [Test]
    public void FontDrawsEveryPrintableCharacterInItsCell()
    {
        for (char c = ' '; c <= '~'; c++)
        {
            var rgb = new byte[8 * 9 * 3];
            BitmapFont.Draw(rgb, 8, 9, c.ToString(), 1, 1, 1, new RgbColour(255, 255, 255));
            int lit = 0;
            for (int y = 0; y < 9; y++)
                for (int x = 0; x < 8; x++)
                {
                    if (rgb[(y * 8 + x) * 3] == 0) continue;
                    lit++;
                    bool inCell = x is >= 1 and <= BitmapFont.GlyphWidth && y is >= 1 and <= BitmapFont.GlyphHeight;
                    Assert.That(inCell, $"'{c}' at ({x}, {y})");
                }
            Assert.That(lit, c == ' ' ? Is.Zero : Is.Positive, $"'{c}'");
        }
    }

    [Test]
    public void OverlayGifHasOneFramePerMask()
    {
        var path = Path.Combine(_dir, "overlay.gif");
        var frames = Enumerable.Range(0, 3).Select(i => MediaTestImages.Solid($"{i}", 40, 30, 0, 0, 200)).ToList();
        var masks = Enumerable.Range(0, 3)
            .Select(i => Enumerable.Range(0, 1200).Select(p => (byte)(p % 40 <= 10 * i ? 1 : 0)).ToArray()).ToList();

        var overlay = new MaskOverlay("the blue box");
        AnimatedGifWriter.Write(path, frames.Zip(masks, (f, m) => overlay.Render(f, m, 0.5f)), 10);

        var read = FrameSource.Open(path).ReadFrames().ToList();
        Assert.That(read, Has.Count.EqualTo(3));
        Assert.That(MediaTestImages.Pixel(read[2], 39, 20), Is.EqualTo(((byte)0, (byte)0, (byte)200)), "outside");
        Assert.That(MediaTestImages.Pixel(read[2], 5, 20).Item1, Is.GreaterThan(80), "tinted yellow (R 0 → 102)");
    }
}
