using MRVS.Pipeline.Media;
using MRVS.Pipeline.Preprocessing;

namespace MRVS.Tests.Preprocessing;

public class EvalPreprocessorTests
{
    private static RgbFrame Solid(string name, int w, int h, byte r, byte g, byte b)
    {
        var rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.Length; i += 3) (rgb[i], rgb[i + 1], rgb[i + 2]) = (r, g, b);
        return new RgbFrame(name, w, h, rgb);
    }

    [Test]
    public void ClipIsResizedNormalisedAndStacked()
    {
        var frames = new[] { Solid("a", 1280, 720, 0, 0, 0), Solid("b", 1280, 720, 255, 255, 255) };
        using var clip = new EvalPreprocessor(EvalResizeRule.ReferYouTubeVos).Preprocess(frames);

        Assert.That(clip.Frames.Shape, Is.EqualTo(new[] { 2, 3, 360, 640 }));
        Assert.That((clip.Height, clip.Width), Is.EqualTo((360, 640)));
        Assert.That((clip.OriginalHeight, clip.OriginalWidth), Is.EqualTo((720, 1280)));
        Assert.That(clip.FrameNames, Is.EqualTo(new[] { "a", "b" }));
        var data = clip.Frames.Span<float>();
        int plane = 360 * 640;
        Assert.That(data[0], Is.EqualTo(-0.485f / 0.229f));                       // frame 0, R
        Assert.That(data[2 * plane + plane - 1], Is.EqualTo(-0.406f / 0.225f));   // frame 0, B, last pixel
        Assert.That(data[3 * plane + plane + 5], Is.EqualTo((1f - 0.456f) / 0.224f)); // frame 1, G
    }

    [Test]
    public void FramesOfDifferentSizesNameTheOffendingFrame()
    {
        var frames = new[] { Solid("first", 8, 6, 1, 2, 3), Solid("odd", 6, 8, 1, 2, 3) };
        var e = Assert.Throws<MediaException>(() =>
            new EvalPreprocessor(EvalResizeRule.ReferYouTubeVos).Preprocess(frames))!;
        Assert.That(e.Message, Does.Contain("'odd' is 6x8").And.Contain("'first' is 8x6"));
    }

    [Test]
    public void FrameTooThinForTheSizeRuleIsNamed()
    {
        var e = Assert.Throws<MediaException>(() =>
            new EvalPreprocessor(EvalResizeRule.ReferYouTubeVos).Resize(Solid("sliver", 5000, 2, 0, 0, 0)))!;
        Assert.That(e.Message, Does.Contain("'sliver'").And.Contain("5000x2"));
    }

    [Test]
    public void EmptyClipIsAnError() =>
        Assert.Throws<MediaException>(() => new EvalPreprocessor(EvalResizeRule.A2D).Preprocess([]));
}
