using System.Text.Json;
using MRVS.Core.IO;
using MRVS.Pipeline.Evaluation.Metrics;
using MRVS.Pipeline.Media;
using MRVS.Tests.Support;

namespace MRVS.Tests.Evaluation;

/// <summary>
/// The DAVIS-2017 measures against ../shared/fixtures/metrics-jf (values from the official davis2017 code): per-frame
/// J and F, db_statistics and the J&amp;F aggregation, all to 1e-9; and `mrvs score` on the same masks written as PNGs.
/// </summary>
[NonParallelizable]
public class DavisMeasuresTests
{
    private const double Tolerance = 1e-9;
    private static readonly string[] Cases = ["blobs-davis", "small-odd", "empty-cases", "thin-and-holes"];

    private sealed record Case(string Name, List<BitMask> Gt, List<BitMask> Pred, byte[][] GtBytes, byte[][] PredBytes,
        int H, int W, double[] J, double[] F, double[] Stats);

    private static Case Load(string name)
    {
        using var file = SafeTensorsFile.Open(Fixtures.File("metrics-jf", $"{name}.safetensors"));
        using var gt = file.Get("gt");
        using var pred = file.Get("pred");
        using var j = file.Get("j");
        using var f = file.Get("f");
        using var stats = file.Get("stats");
        int t = gt.Shape[0], h = gt.Shape[1], w = gt.Shape[2];
        byte[][] Frames(MRVS.Core.Tensors.Tensor x) =>
            Enumerable.Range(0, t).Select(i => x.Span<byte>().Slice(i * h * w, h * w).ToArray()).ToArray();
        var (g, p) = (Frames(gt), Frames(pred));
        List<BitMask> Pack(byte[][] frames) => frames.Select(b => BitMask.FromPixels(b, h, w)).ToList();
        return new Case(name, Pack(g), Pack(p), g, p, h, w, j.ToDoubleArray(), f.ToDoubleArray(),
            stats.ToDoubleArray());
    }

    [TestCaseSource(nameof(Cases))]
    public void PerFrameJAndFMatchTheOfficialCode(string name)
    {
        var c = Load(name);
        var (j, f) = DavisEvaluation.Measure(c.Gt, c.Pred);
        for (int t = 0; t < j.Length; t++)
        {
            Assert.That(j[t], Is.EqualTo(c.J[t]).Within(Tolerance), $"{name} frame {t}: J");
            Assert.That(f[t], Is.EqualTo(c.F[t]).Within(Tolerance), $"{name} frame {t}: F");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void StatisticsMatchDbStatistics(string name)
    {
        var c = Load(name);
        var js = DavisStatistics.Of(c.J);
        var fs = DavisStatistics.Of(c.F);
        double[] actual = [js.Mean, js.Recall, js.Decay, fs.Mean, fs.Recall, fs.Decay];
        for (int i = 0; i < 6; i++)
            Assert.That(actual[i], Is.EqualTo(c.Stats[i]).Within(Tolerance), $"{name} stats[{i}]");
    }

    [Test]
    public void ScoreCommandMatchesTheSummaryOverAllCases()
    {
        var dir = Directory.CreateTempSubdirectory("mrvs-score-").FullName;
        try
        {
            foreach (var name in Cases)
            {
                var c = Load(name);
                Directory.CreateDirectory(Path.Combine(dir, "gt", name));
                Directory.CreateDirectory(Path.Combine(dir, "pred", name));
                for (int t = 0; t < c.Gt.Count; t++)
                {
                    // Ground truth as 0/1 values, predictions as 0/255: both are "non-zero = foreground".
                    LabelPng.Write(Path.Combine(dir, "gt", name, $"{t:D5}.png"), c.GtBytes[t], c.W, c.H);
                    MaskPngWriter.Write(Path.Combine(dir, "pred", name, $"{t:D5}.png"), c.PredBytes[t], c.W, c.H);
                }
            }
            var json = Path.Combine(dir, "score.json");
            var (code, stdout, stderr) = Robustness.Mrvs.Run(
                "score", "--gt", Path.Combine(dir, "gt"), "--pred", Path.Combine(dir, "pred"), "--json", json);
            Assert.That(code, Is.EqualTo(0), stderr);

            using var summary = JsonDocument.Parse(File.ReadAllText(Fixtures.File("metrics-jf", "summary.json")));
            using var result = JsonDocument.Parse(File.ReadAllText(json));
            foreach (var key in new[] { "J&F-Mean", "J-Mean", "F-Mean" })
                Assert.That(result.RootElement.GetProperty(key).GetDouble(),
                    Is.EqualTo(summary.RootElement.GetProperty(key).GetDouble()).Within(Tolerance), key);
            foreach (var c in summary.RootElement.GetProperty("cases").EnumerateArray())
            {
                var seq = result.RootElement.GetProperty("sequences").GetProperty(c.GetProperty("case").GetString()!);
                foreach (var measure in new[] { "J", "F" })
                    Assert.That(seq.GetProperty(measure).GetProperty("mean").GetDouble(),
                        Is.EqualTo(c.GetProperty($"{measure}_mean").GetDouble()).Within(Tolerance), measure);
            }
            Assert.That(stdout, Does.Contain("J&F-Mean 0.5097 J-Mean 0.6433 F-Mean 0.3762"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Test]
    public void BoundaryMapFollowsSeg2BmapEdgeRules()
    {
        // A 3x3 block in the bottom-right corner of a 4x4 image: only the background pixels left of and above the
        // block are boundary (they differ from a right, bottom or bottom-right neighbour). Block pixels never do:
        // their right/bottom neighbours are block pixels, or missing at the image's last column (compared only with
        // the pixel below) and last row (compared only with the pixel to the right); the bottom-right never counts.
        var pixels = new byte[]
        {
            0, 0, 0, 0,
            0, 1, 1, 1,
            0, 1, 1, 1,
            0, 1, 1, 1,
        };
        var b = Boundary.Map(BitMask.FromPixels(pixels, 4, 4));
        var expected = new byte[]
        {
            1, 1, 1, 1,
            1, 0, 0, 0,
            1, 0, 0, 0,
            1, 0, 0, 0,
        };
        for (int i = 0; i < 16; i++)
            Assert.That(b[i / 4, i % 4], Is.EqualTo(expected[i] == 1), $"pixel {i / 4},{i % 4}");
    }

    [Test]
    public void PackingSetsExactlyTheSelectedPixels([Values(1, 63, 64, 130)] int width)
    {
        // Whole 64-pixel words are packed by vector compares, the rest pixel by pixel: both agree with the pixels.
        var rng = new Random(width);
        var pixels = new byte[3 * width];
        rng.NextBytes(pixels);
        for (int i = 0; i < pixels.Length; i += 3) pixels[i] = (byte)(i % 7 == 0 ? 0 : 2);
        foreach (var value in new byte?[] { null, 2 })
        {
            bool Selected(byte p) => value is { } v ? p == v : p != 0;
            var m = BitMask.FromPixels(pixels, 3, width, value);
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < width; x++)
                    Assert.That(m[y, x], Is.EqualTo(Selected(pixels[y * width + x])), $"({y}, {x}), value {value}");
            Assert.That(m.Count(), Is.EqualTo(pixels.Count(Selected)), "no bit past the width");
        }
    }

    [Test]
    public void DiskIsSkimageDisk()
    {
        // skimage.morphology.disk(3): rows of widths 1, 5, 5, 7, 5, 5, 1.
        Assert.That(Boundary.DiskHalfWidths(3), Is.EqualTo(new[] { 0, 2, 2, 3, 2, 2, 0 }));
        Assert.That(DavisMeasures.DiskRadius(480, 854), Is.EqualTo(8));
        Assert.That(DavisMeasures.DiskRadius(720, 1280), Is.EqualTo(12));
    }

    [Test]
    public void DecayBinsShareEdgesAsLinspaceRounds()
    {
        Assert.That(DavisStatistics.BinEdges(8), Is.EqualTo(new byte[] { 0, 2, 4, 5, 7 }));
        Assert.That(DavisStatistics.BinEdges(6), Is.EqualTo(new byte[] { 0, 1, 3, 4, 5 }));
        Assert.That(DavisStatistics.BinEdges(1), Is.EqualTo(new byte[] { 0, 0, 0, 0, 0 }));
    }

    [Test]
    public void PairwiseSumMatchesNumPyOrder()
    {
        // 0.1 summed 1000 times: NumPy's pairwise sum gives 100.00000000000001 (1e-13 closer than a plain loop's
        // 99.9999999999986).
        var values = Enumerable.Repeat(0.1, 1000).ToArray();
        Assert.That(NumPyReductions.Sum(values), Is.EqualTo(100.00000000000001));
        Assert.That(NumPyReductions.NanMean([1.0, double.NaN, 3.0]), Is.EqualTo(2.0));
    }

    [Test]
    public void AssignmentMatchesScipyOnRectangularAndTiedCosts()
    {
        var (rows, cols) = LinearAssignment.Solve(new double[,] { { 4, 1, 3 }, { 2, 0, 5 }, { 3, 2, 2 } });
        Assert.That(rows, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(cols, Is.EqualTo(new[] { 1, 0, 2 }));
        // More rows than columns (proposals x objects): the chosen rows come back in increasing order.
        (rows, cols) = LinearAssignment.Solve(new double[,] { { 0, 0 }, { -1, 0 }, { 0, -1 } });
        Assert.That(rows, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(cols, Is.EqualTo(new[] { 0, 1 }));
    }
}
