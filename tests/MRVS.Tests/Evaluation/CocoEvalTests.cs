using MRVS.Pipeline.Evaluation.Coco;

namespace MRVS.Tests.Evaluation;

/// <summary>
/// COCO's mask RLE, pycocotools' COCOeval (segm, useCats = 0) and metrics.py on cases small enough to work out by
/// hand; each expected value is derived in the comment above it. Precision carries pycocotools' np.spacing(1) in
/// its denominator (1/(1 + ε) for a perfect detector), hence the 1e-12 tolerance.
/// </summary>
public class CocoEvalTests
{
    private const int Size = 100;
    private const double Tolerance = 1e-12;

    private static int _id;

    /// <summary>The rows y0..y1 × columns x0..x1 (inclusive) of a 100×100 frame.</summary>
    private static MaskRle Rect(int y0, int x0, int y1, int x1)
    {
        var pixels = new byte[Size * Size];
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) pixels[y * Size + x] = 1;
        return MaskRle.Encode(pixels, Size, Size);
    }

    private static MaskRle Empty => MaskRle.Encode(new byte[Size * Size], Size, Size);

    private static CocoInstance Gt(string image, MaskRle mask, double? area = null, bool crowd = false) =>
        new(++_id, image, mask, area ?? mask.Area, crowd);

    private static CocoInstance Dt(string image, MaskRle mask, double score) =>
        new(++_id, image, mask, mask.Area, Score: score);

    private static double[] Stats(CocoInstance[] gt, params CocoInstance[] dt) =>
        CocoSegmentationEval.Stats(gt.Select(g => g.ImageId), gt, dt);

    private static void AssertStats(double[] actual, (int Index, double Value)[] expected)
    {
        foreach (var (i, v) in expected)
            Assert.That(actual[i], Is.EqualTo(v).Within(Tolerance), CocoSegmentationEval.StatNames[i]);
    }

    // Indices of summarize()'s stats.
    private const int AP = 0, AP50 = 1, AP75 = 2, APS = 3, APM = 4, APL = 5, AR1 = 6, AR10 = 7, AR100 = 8;
    private const int ARS = 9, ARM = 10, ARL = 11;

    [Test]
    public void RleRunsAreColumnMajorAndStartWithBackground()
    {
        // 0 1 1 0
        // 0 1 0 0      columns top to bottom: 000 110 100 001 → runs 3 bg, 2 fg, 1 bg, 1 fg, 4 bg, 1 fg
        // 0 0 0 1
        byte[] mask = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1];
        var rle = MaskRle.Encode(mask, 3, 4);
        Assert.That(rle.Counts, Is.EqualTo(new long[] { 3, 2, 1, 1, 4, 1 }));
        Assert.That(rle.Area, Is.EqualTo(4));
        var bits = rle.ToBitMask();
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 4; x++) Assert.That(bits[y, x], Is.EqualTo(mask[y * 4 + x] != 0), $"pixel ({y}, {x})");

        // A mask starting with foreground has a leading empty background run: 1 0 / 1 0 → column 0 is foreground.
        Assert.That(MaskRle.Encode([1, 0, 1, 0], 2, 2).Counts, Is.EqualTo(new long[] { 0, 2, 2 }));
    }

    [Test]
    public void RleStringsAreThePycocotoolsEncoding()
    {
        // Counts 3, 2, 1 as they are; then differences to the count two before: 1−2 = −1, 4−1 = 3, 1−1 = 0.
        // 5-bit groups + 48: 3 → '3', 2 → '2', 1 → '1', −1 → 31 (sign bit set, nothing more) → 'O', 3 →
        // '3', 0 → '0'.
        var rle = new MaskRle(3, 4, [3, 2, 1, 1, 4, 1]);
        Assert.That(rle.Compressed, Is.EqualTo("321O30"));
        Assert.That(MaskRle.FromCompressed("321O30", 3, 4).Counts, Is.EqualTo(rle.Counts));
        // 100 = 3·32 + 4: the low group 4 with the continuation bit (4 + 32 + 48 = 'T'), then 3 → 'T3'.
        Assert.That(new MaskRle(10, 10, [100]).Compressed, Is.EqualTo("T3"));
        Assert.That(MaskRle.FromCompressed("T3", 10, 10).Counts, Is.EqualTo(new long[] { 100 }));
        var big = Rect(20, 30, 79, 64);
        Assert.That(MaskRle.FromCompressed(big.Compressed, Size, Size).Counts, Is.EqualTo(big.Counts));
    }

    [Test]
    public void RleCountsThatDoNotCoverTheMaskAreRejected()
    {
        Assert.Throws<InvalidDataException>(() => new MaskRle(2, 2, [1, 2]).ToBitMask());
        Assert.Throws<InvalidDataException>(() => new MaskRle(2, 2, [3, 2]).ToBitMask());
        Assert.Throws<InvalidDataException>(() => MaskRle.FromCompressed("T", 10, 10));
    }

    [Test]
    public void PrecisionIsInterpolatedAt101RecallPoints()
    {
        // Two ground truths: g1 (10×10) and g2 (8 pixels of one column). Detections by score: d1 = g1, d2 a false
        // positive, d3 = 5 of g2's 8 pixels (IoU 5/8 = 0.625: a match at IoU thresholds 0.50, 0.55, 0.60 only).
        var gt = new[] { Gt("a", Rect(0, 0, 9, 9)), Gt("a", Rect(20, 20, 27, 20)) };
        var s = Stats(gt, Dt("a", Rect(0, 0, 9, 9), 0.9), Dt("a", Rect(50, 50, 59, 59), 0.8),
            Dt("a", Rect(20, 20, 24, 20), 0.7));
        // t ≤ 0.60: TP FP TP → recall 1/2, 1/2, 1; precision 1, 1/2, 2/3, made non-increasing from the right:
        // 1, 2/3, 2/3. The 51 recall points 0.00..0.50 find index 0 (1), the 50 points 0.51..1.00 index 2 (2/3):
        // AP = (51 + 50·2/3) / 101 = 253/303.
        // t ≥ 0.65: TP FP FP → recall stays 1/2; points above 0.50 find no index and count 0: AP = 51/101.
        // mAP over the 10 thresholds: (3·253/303 + 7·153/303) / 10 = 1830/3030.
        // Every area is below 32², so the small range gives the same and the others have no ground truth (−1).
        // Recall: 1 at three thresholds, 1/2 at seven → 0.65; with one detection per image only d1 counts → 1/2.
        AssertStats(s, [(AP, 1830.0 / 3030), (AP50, 253.0 / 303), (AP75, 51.0 / 101), (APS, 1830.0 / 3030),
            (APM, -1), (APL, -1), (AR1, 0.5), (AR10, 0.65), (AR100, 0.65), (ARS, 0.65), (ARM, -1), (ARL, -1)]);
    }

    [Test]
    public void AreaRangesIgnoreGroundTruthOutsideThemAndUnmatchedDetectionsOutsideThem()
    {
        // A small (10×10 = 100) and a medium (40×40 = 1600) ground truth; by score: d0 a small false positive
        // (5×5), d1 = the medium one, d2 = the small one.
        var gt = new[] { Gt("a", Rect(0, 0, 9, 9)), Gt("a", Rect(30, 30, 69, 69)) };
        var dt = new[]
        {
            Dt("a", Rect(90, 90, 94, 94), 0.95), Dt("a", Rect(30, 30, 69, 69), 0.9), Dt("a", Rect(0, 0, 9, 9), 0.8),
        };
        var s = Stats(gt, dt);
        // all: FP TP TP → recall 0, 1/2, 1, precision 0, 1/2, 2/3 → 2/3 at every recall point and threshold.
        // small: the medium truth is ignored and d1, matched to it, too: FP, (ignored), TP → precision 1/2.
        // medium: the small truth is ignored, d2 matched to it is ignored, and so is d0, unmatched and too small:
        //   (ignored), TP, (ignored) → precision 1.
        // large: no ground truth → −1. Recall: 1 everywhere there is ground truth, but 0 with one detection (d0).
        AssertStats(s, [(AP, 2.0 / 3), (AP50, 2.0 / 3), (AP75, 2.0 / 3), (APS, 0.5), (APM, 1), (APL, -1),
            (AR1, 0), (AR10, 1), (AR100, 1), (ARS, 1), (ARM, 1), (ARL, -1)]);

        // The range is decided by the annotation's "area", not by the mask: the same medium mask annotated with
        // area 10000 is large, and the medium range has no ground truth left.
        var relabelled = new[] { gt[0], gt[1] with { Area = 10000 } };
        AssertStats(Stats(relabelled, dt), [(AP, 2.0 / 3), (APS, 0.5), (APM, -1), (APL, 1), (ARM, -1), (ARL, 1)]);
    }

    [Test]
    public void OnlyTheHundredBestDetectionsOfAnImageCount()
    {
        var gt = new[] { Gt("a", Rect(0, 0, 9, 9)) };
        var falsePositives = Enumerable.Range(0, 100).Select(_ => Dt("a", Rect(50, 50, 59, 59), 0.9)).ToArray();
        var match = Dt("a", Rect(0, 0, 9, 9), 0.1);
        // 100 better-scored false positives push the match out: nothing found.
        AssertStats(Stats(gt, [.. falsePositives, match]), [(AP, 0), (AR100, 0)]);
        // With 99 the match is the 100th: recall reaches 1 at precision 1/100, which interpolation carries down to
        // every recall point; within the first 10 detections nothing is found.
        AssertStats(Stats(gt, [.. falsePositives[..99], match]), [(AP, 0.01), (AP50, 0.01), (AR100, 1), (AR10, 0)]);
    }

    [Test]
    public void CrowdRegionsAbsorbDetectionsWithoutCounting()
    {
        // A normal 10×10 truth and a crowd region over the lower half (50×100). Detections inside the crowd match
        // it by intersection over their own area, any number of them, and are ignored.
        var gt = new[] { Gt("a", Rect(0, 0, 9, 9)), Gt("a", Rect(50, 0, 99, 99), crowd: true) };
        var inside = new[] { Dt("a", Rect(60, 10, 64, 14), 0.9), Dt("a", Rect(90, 90, 99, 99), 0.8) };
        var match = Dt("a", Rect(0, 0, 9, 9), 0.7);
        // (ignored), (ignored), TP: recall 0, 0, 1 with precision 0, 0, 1 → 1 everywhere.
        AssertStats(Stats(gt, [.. inside, match]), [(AP, 1), (AR100, 1)]);
        // A better-scored 8×10 detection with 5 of its 8 rows in the crowd (0.625 of its area): ignored at
        // thresholds ≤ 0.60 (AP 1), a false positive above (FP, -, -, TP → precision 1/2): mAP (3 + 7/2)/10.
        var straddling = Dt("a", Rect(47, 20, 54, 29), 0.95);
        AssertStats(Stats(gt, [straddling, .. inside, match]), [(AP, 0.65), (AP50, 1), (AP75, 0.5)]);
    }

    [Test]
    public void EmptyMasksNeverMatch()
    {
        // pycocotools' IoU is 0 for an empty mask (its box test comes first), so an empty detection of an empty
        // truth is a false positive. Image a: a perfect detection at 0.5; image b: both empty, detection at 0.9.
        // FP, TP over 2 truths → recall 0, 1/2, precision 0, 1/2 → 1/2 at the 51 points up to 0.50, 0 above:
        // AP = 25.5/101.
        var gt = new[] { Gt("a", Rect(0, 0, 9, 9)), Gt("b", Empty) };
        AssertStats(Stats(gt, Dt("a", Rect(0, 0, 9, 9), 0.5), Dt("b", Empty, 0.9)),
            [(AP, 25.5 / 101), (AP50, 25.5 / 101), (AR100, 0.5)]);
        // Against a crowd truth the denominator is the empty detection's area: still 0, not NaN, so the empty
        // detection is a false positive (not ignored) ahead of the match: FP, TP over 1 truth → 1/2 everywhere.
        var crowd = new[] { Gt("a", Rect(0, 0, 9, 9)), Gt("a", Rect(50, 0, 99, 99), crowd: true) };
        AssertStats(Stats(crowd, Dt("a", Empty, 0.9), Dt("a", Rect(0, 0, 9, 9), 0.5)), [(AP, 0.5)]);
    }

    [Test]
    public void ImagesWithoutDetectionsCountTheirGroundTruth()
    {
        // Image a found, image b missed: recall 1/2 at precision 1 → 51/101; image c has nothing and is skipped.
        var gt = new[] { Gt("a", Rect(0, 0, 9, 9)), Gt("b", Rect(0, 0, 9, 9)) };
        var s = CocoSegmentationEval.Stats(["a", "b", "c"], gt, [Dt("a", Rect(0, 0, 9, 9), 0.5)]);
        AssertStats(s, [(AP, 51.0 / 101), (AR100, 0.5)]);
    }

    [Test]
    public void ReferringMetricsTakeTheBestScoredPredictionPerImage()
    {
        // a: truth 2×2; predictions: half of it at 0.5, all of it at 0.9 → the latter, IoU 1.
        // b: truth 2×2; two predictions tied at 0.7, the last one (Python's stable sort, then [-1]) shifted by one
        //    column: intersection 2, union 6 → IoU (2 + 1e-6)/(6 + 1e-6) in float32.
        var gt = new[] { Gt("a", Rect(0, 0, 1, 1)), Gt("b", Rect(0, 0, 1, 1)) };
        var dt = new[]
        {
            Dt("a", Rect(0, 0, 0, 1), 0.5), Dt("a", Rect(0, 0, 1, 1), 0.9),
            Dt("b", Rect(0, 0, 1, 1), 0.7), Dt("b", Rect(0, 1, 1, 2), 0.7),
        };
        var r = ReferringMetrics.Compute(["a", "b"], gt, dt);
        float iouB = (2f + 1e-6f) / (6f + 1e-6f);
        Assert.That(r.PrecisionAtK, Is.EqualTo(new[] { 0.5, 0.5, 0.5, 0.5, 0.5 }), "P@0.5..0.9: only a is above");
        Assert.That(r.OverallIou, Is.EqualTo((4.0 + 2) / (4 + 6)).Within(Tolerance), "summed intersections / unions");
        Assert.That(r.MeanIou, Is.EqualTo((1.0 + iouB) / 2).Within(Tolerance));
    }
}
