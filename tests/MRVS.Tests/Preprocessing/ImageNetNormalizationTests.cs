using MRVS.Core.IO;
using MRVS.Pipeline.Media;
using MRVS.Pipeline.Preprocessing;
using MRVS.Tests.Support;

namespace MRVS.Tests.Preprocessing;

public class ImageNetNormalizationTests
{
    [Test]
    public void KnownValues()
    {
        var chw = new float[3];
        ImageNetNormalization.ToChw([0, 255, 128], 1, 1, chw);
        Assert.That(chw[0], Is.EqualTo((0f - 0.485f) / 0.229f));
        Assert.That(chw[1], Is.EqualTo((1f - 0.456f) / 0.224f));
        Assert.That(chw[2], Is.EqualTo((128f / 255f - 0.406f) / 0.225f));
    }

    [Test]
    public void InterleavedRgbBecomesPlanes()
    {
        var chw = new float[6];
        ImageNetNormalization.ToChw([10, 20, 30, 40, 50, 60], 2, 1, chw);
        float Norm(byte v, int c) => (v / 255f - ImageNetNormalization.Mean[c]) / ImageNetNormalization.Std[c];
        Assert.That(chw, Is.EqualTo(new[] { Norm(10, 0), Norm(40, 0), Norm(20, 1), Norm(50, 1), Norm(30, 2), Norm(60,
            2) }));
    }

    /// <summary>
    /// The fixture's raw frames were normalised by torchvision (ToTensor, Normalize) into samples.tensors; with B = 1
    /// and no padding, [T, 1, 3, H, W] has the layout of [T, 3, H, W]. A rule that keeps the size skips the resize.
    /// </summary>
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void PreprocessingTheRawFixtureFramesIsBitExact(string fixture)
    {
        using var inputs = SafeTensorsFile.Open(Fixtures.File(fixture, "inputs.safetensors"));
        using var raw = inputs.Get("raw.video0.frames");
        using var expected = inputs.Get("samples.tensors");
        int t = raw.Shape[0], h = raw.Shape[1], w = raw.Shape[2], frameBytes = h * w * 3;
        var frames = Enumerable.Range(0, t)
            .Select(i => new RgbFrame($"{i:D5}", w, h, raw.Span<byte>().Slice(i * frameBytes, frameBytes).ToArray()))
            .ToList();

        using var clip = new EvalPreprocessor(new EvalResizeRule(Math.Min(h, w), Math.Max(h, w))).Preprocess(frames);

        Assert.That(clip.Frames.Shape, Is.EqualTo(new[] { t, 3, h, w }));
        Assert.That((clip.Height, clip.Width, clip.OriginalHeight, clip.OriginalWidth), Is.EqualTo((h, w, h, w)));
        var actual = clip.Frames.Span<float>();
        var reference = expected.Span<float>();
        int mismatches = 0;
        for (int i = 0; i < reference.Length; i++)
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(reference[i])) mismatches++;
        Assert.That(mismatches, Is.Zero, $"of {reference.Length} values");
    }
}
