using MRVS.Pipeline.Media;
using MRVS.Pipeline.Preprocessing;

namespace MRVS.Tests.Preprocessing;

public class PillowBilinearResizeTests
{
    private static byte[] Resize1D(byte[] row, int outWidth) => PillowBilinearResize.Resize(row, row.Length, 1, 1,
        outWidth, 1);

    [Test]
    public void SameSizeReturnsAnEqualCopy()
    {
        var frame = new RgbFrame("f", 3, 2, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
        var same = PillowBilinearResize.Resize(frame, 3, 2);
        Assert.That(same.Rgb, Is.EqualTo(frame.Rgb));
        Assert.That(same.Rgb, Is.Not.SameAs(frame.Rgb));
    }

    [TestCase(7, 5, 3, 2)]
    [TestCase(7, 5, 16, 11)]
    [TestCase(7, 5, 2, 9)]
    public void ConstantImageStaysConstant(int w, int h, int ow, int oh)
    {
        var rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.Length; i++) rgb[i] = (byte)(i % 3 == 0 ? 200 : i % 3 == 1 ? 17 : 255);
        var outRgb = PillowBilinearResize.Resize(new RgbFrame("c", w, h, rgb), ow, oh).Rgb;
        Assert.That(outRgb, Has.Length.EqualTo(ow * oh * 3));
        for (int i = 0; i < outRgb.Length; i += 3)
            Assert.That(new[] { outRgb[i], outRgb[i + 1], outRgb[i + 2] }, Is.EqualTo(new byte[] { 200, 17, 255 }),
                $"pixel {i / 3}");
    }

    // 4 -> 2: scale = 2, support = 2 (the triangle widens with the downscale).
    // out 0: center 1.0, taps x = 0..2 (int(-0.5) = 0, int(3.5) = 3), w = 1 - |x - 1 + 0.5| / 2 = 0.75, 0.75, 0.25,
    //        normalised 3/7, 3/7, 1/7 -> k = int(3/7·2^22 + 0.5) = 1797559, 1797559, 599186;
    //        2^21 + 10·1797559 + 20·1797559 + 30·599186 = 73999502, >> 22 = 17 (a 2-tap average would give 15).
    // out 1: center 3.0, taps x = 1..3, k = 599186, 1797559, 1797559;
    //        2^21 + 20·599186 + 30·1797559 + 40·1797559 = 139910002, >> 22 = 33.
    [Test]
    public void DownscaleUsesTheWidenedTriangle() => Assert.That(Resize1D([10, 20, 30, 40], 2),
        Is.EqualTo(new byte[] { 17, 33 }));

    // 2 -> 4: scale = 0.5, support = 1, centers 0.25, 0.75, 1.25, 1.75.
    // out 0: xmin = int(0.25 - 1 + 0.5) = int(-0.25) = 0, xmax = int(1.75) = 1: one tap, normalised to 1 -> 0.
    // out 1: taps 0, 1 with w = 1 - |x - 0.75 + 0.5| = 0.75, 0.25 -> 2^21 + 255·1048576 = 269484032, >> 22 = 64.
    // out 2: w = 0.25, 0.75 -> 2^21 + 255·3145728 = 804257792, >> 22 = 191.
    // out 3: xmin = int(1.25) = 1, xmax = min(int(3.25), 2) = 2: one tap -> 255.
    [Test]
    public void UpscaleInterpolatesBetweenPixelCenters() => Assert.That(Resize1D([0, 255], 4),
        Is.EqualTo(new byte[] { 0, 64, 191, 255 }));

    // 2 -> 3: scale = 2/3, centers 1/3, 1, 5/3. out 1: taps 0, 1 (int(0.5) = 0, int(2.5) = 2) with w = 0.5, 0.5:
    // 2^21 + 101·2^21 = 51·2^22, >> 22 = 51: the exact 50.5 rounds up because the accumulator starts at 2^21.
    [Test]
    public void FixedPointRoundsHalvesUp() => Assert.That(Resize1D([0, 101], 3), Is.EqualTo(new byte[] { 0, 51, 101 }));

    // The horizontal pass is stored as uint8 before the vertical pass. 2x2 [[0, 1], [0, 0]] -> 1x1, taps 0.5, 0.5:
    // rows: (2^21 + 1·2^21) >> 22 = 1 and 0; vertical: (2^21 + 1·2^21 + 0) >> 22 = 1. One rounding of the mean
    // (0.25) would give 0.
    [Test]
    public void HorizontalPassIsRoundedToUint8First() =>
        Assert.That(PillowBilinearResize.Resize([0, 1, 0, 0], 2, 2, 1, 1, 1), Is.EqualTo(new byte[] { 1 }));

    // Generated with Pillow 9.4 (Debian python3-pil): np.array(Image.fromarray(a).resize((w, h), Image.BILINEAR))
    // where a = ((np.arange(5 * 7 * 3) * 37 + 11) % 256).astype(np.uint8).reshape(5, 7, 3), a 7x5 RGB image.
    [TestCase(3, 2, new byte[] { 113, 97, 134, 154, 131, 111, 134, 169, 128, 93, 115, 152, 131, 108, 129, 152, 149,
        83 },
        TestName = "Pillow 7x5 -> 3x2 (both axes down)")]
    [TestCase(7, 3, new byte[] { 15, 52, 89, 126, 163, 200, 237, 18, 55, 92, 129, 166, 203, 240, 21, 58, 95, 132, 169,
        206, 243, 29, 66, 103, 140, 177, 214, 194, 32, 69, 106, 143, 180, 217, 197, 35, 72, 109, 146, 183, 220, 58, 43,
            80, 117, 154, 191, 228, 9, 46, 83, 120, 157, 194, 231, 12, 49, 86, 123, 160, 197, 234, 15 },
        TestName = "Pillow 7x5 -> 7x3 (vertical pass only)")]
    [TestCase(2, 5, new byte[] { 127, 99, 118, 132, 151, 123, 136, 108, 127, 141, 160, 132, 145, 117, 136, 150, 169, 87,
        89, 108, 145, 141, 113, 96, 98, 117, 154, 150, 122, 105 },
        TestName = "Pillow 7x5 -> 2x5 (horizontal pass only)")]
    [TestCase(4, 9, new byte[] { 69, 94, 131, 170, 74, 111, 139, 176, 80, 119, 156, 181, 72, 97, 134, 173, 77, 114, 142,
        179, 83, 122, 159, 184, 77, 102, 139, 178, 82, 119, 147, 184, 88, 127, 164, 189, 82, 107, 144, 183, 87, 124,
            152, 189, 93, 132, 169, 134, 87, 112, 149, 188, 92, 129, 157, 194, 98, 137, 174, 65, 85, 117, 154, 119, 97,
                134, 162, 125, 103, 142, 172, 70, 85, 122, 159, 65, 102, 139, 167, 71, 108, 147, 172, 75, 90, 127, 164,
                    70, 107, 144, 172, 76, 113, 152, 177, 80, 93, 130, 167, 73, 110, 147, 175, 79, 116, 155, 180, 83 },
        TestName = "Pillow 7x5 -> 4x9 (down horizontally, up vertically)")]
    public void MatchesPillowOnAPatternedImage(int ow, int oh, byte[] expected)
    {
        var src = new byte[5 * 7 * 3];
        for (int i = 0; i < src.Length; i++) src[i] = (byte)((i * 37 + 11) % 256);
        Assert.That(PillowBilinearResize.Resize(src, 7, 5, 3, ow, oh), Is.EqualTo(expected));
    }
}
