using MRVS.Backends.Cpu.Ops;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;
using static MRVS.Tests.Support.OpRunner;

namespace MRVS.Tests.Voc;

/// <summary>
/// The VOC ops (bmrw, language_match_score, cumulative_mean, frame_score_aggregation) against float64 references on
/// fresh random inputs.
/// </summary>
public class VocOpTests
{
    private readonly Random _rng = new(23);


    [TestCase(1, 1, 1, 1)]
    [TestCase(2, 3, 7, 5)]
    [TestCase(3, 5, 20, 33)]
    [TestCase(1, 9, 4, 6)]
    public void BmrwMatchesUpstreamsInverseFormulation(int n, int k, int m, int d)
    {
        var x = Random(_rng, n, k, d);
        var y = Random(_rng, n, m, d);
        var o = Run(new BmrwOp(), x, y);
        Assert.That(o.Shape, Is.EqualTo(new[] { n, k, d }));
        TensorAssert.Near(o, BmrwReference(x.ToDoubleArray(), y.ToDoubleArray(), n, k, m, d), 1e-5);
    }

    [Test]
    public void LuSolveNeedsAndUsesPivoting()
    {
        // A zero leading pivot: elimination without row exchanges divides by zero.
        var a = new double[,] { { 0, 2, 1 }, { 1, 1, 0 }, { 3, 0, 1 } };
        var b = new double[,] { { 7, 1 }, { 3, 1 }, { 6, 1 } };
        Bmrw.LuSolveInPlace(a, b);
        Assert.That(new[] { b[0, 0], b[1, 0], b[2, 0] }, Is.EqualTo(new[] { 1.0, 2.0, 3.0 }).Within(1e-12));
        Assert.That(new[] { b[0, 1], b[1, 1], b[2, 1] }, Is.EqualTo(new[] { 0.4, 0.6, -0.2 }).Within(1e-12));
    }

    [TestCase(1, 1, 1, 1)]
    [TestCase(3, 2, 5, 7)]
    [TestCase(4, 3, 1, 9)]
    [TestCase(5, 1, 3, 4)]
    public void LanguageMatchScoreReadsRowsInUpstreamsScrambledOrder(int t, int l, int q, int c)
    {
        var f = Random(_rng, t, l, q, c);
        var g = Random(_rng, 1, c);
        var o = Run(new LanguageMatchScoreOp(), f, g);
        Assert.That(o.Shape, Is.EqualTo(new[] { t, l, 1 }));
        var fv = f.ToDoubleArray();
        var gv = g.ToDoubleArray();
        double gn = Math.Sqrt(gv.Sum(v => v * v));
        double Mean(int row) => Enumerable.Range(0, q).Average(qi =>
        {
            int off = (row * q + qi) * c;
            double vn = Math.Sqrt(Enumerable.Range(0, c).Sum(j => fv[off + j] * fv[off + j]));
            return Enumerable.Range(0, c).Sum(j => fv[off + j] * gv[j]) / (vn * gn);
        });
        // Output (t′, l′) gets row i = l′·T + t′ of the (t, l)-ordered rows, i.e. frame i div L, layer i mod
        // L.
        var expected = Enumerable.Range(0, t * l).Select(o => 1 / (1 + Math.Exp(-Mean(o % l * t + o / l)))).ToArray();
        TensorAssert.Near(o, expected, 1e-6);
    }

    [TestCase(1, 4)]
    [TestCase(5, 6)]
    [TestCase(7, 1)]
    public void CumulativeMeanAlongTime(int t, int inner)
    {
        var x = Random(_rng, t, inner);
        var y = Run(new CumulativeMeanOp(), x);
        var v = x.ToDoubleArray();
        TensorAssert.Near(y,
            Enumerable.Range(0, t * inner).Select(i =>
                Enumerable.Range(0, i / inner + 1).Average(s => v[s * inner + i % inner])).ToArray(), 1e-6);
    }

    [TestCase(1, 1, 1, 1)]
    [TestCase(3, 4, 5, 7)]
    [TestCase(2, 9, 1, 33)]
    public void FrameScoreAggregationWeightsEachFrameBlockByItsScore(int n, int t, int q, int c)
    {
        var f = Random(_rng, n, t, q, c);
        Tensor[] scores = [Random(_rng, t, n, 1), Random(_rng, t, n, 1), Random(_rng, t, n, 1)];
        var y = Run(new FrameScoreAggregationOp(), [f, .. scores]);
        Assert.That(y.Shape, Is.EqualTo(new[] { n, t * q, c }));
        var fv = f.ToDoubleArray();
        var (vis, match, variance) = (scores[0].ToDoubleArray(), scores[1].ToDoubleArray(), scores[2].ToDoubleArray());
        // Element (l, t, q, c) of the frame queries, scored by frame t of layer l: scores are [T, n, 1].
        var expected = Enumerable.Range(0, fv.Length).Select(i =>
        {
            int l = i / (t * q * c), ti = i / (q * c) % t, s = ti * n + l;
            return fv[i] * (vis[s] + match[s] + 0.5 * variance[s]);
        }).ToArray();
        TensorAssert.Near(y, expected, 1e-6);
    }

    [Test]
    public void ShapeProblemsAreReportedAtBuildTime()
    {
        Assert.That(new FrameScoreAggregationOp().Infer([TensorType.F32(3, 4, 5, 8), TensorType.F32(4, 3, 1),
            TensorType.F32(4, 3, 1), TensorType.F32(4, 3, 1)]).Shape,
            Is.EqualTo(new[] { 3, 20, 8 }));
        Assert.Throws<ShapeException>(() =>
            new FrameScoreAggregationOp().Infer([TensorType.F32(3, 4, 5, 8), TensorType.F32(3, 4, 1),
                TensorType.F32(4, 3, 1), TensorType.F32(4, 3, 1)]));
        Assert.Throws<ShapeException>(() =>
            new FrameScoreAggregationOp().Infer([TensorType.F32(3, 4, 5, 8), TensorType.F32(4, 3, 1),
                TensorType.F32(4, 3, 1)]));
        Assert.Throws<ShapeException>(() => new BmrwOp().Infer([TensorType.F32(2, 5, 8), TensorType.F32(2, 20, 7)]));
        Assert.Throws<ShapeException>(() => new BmrwOp().Infer([TensorType.F32(3, 5, 8), TensorType.F32(2, 20, 8)]));
        Assert.Throws<ShapeException>(() =>
            new LanguageMatchScoreOp().Infer([TensorType.F32(4, 3, 5, 8), TensorType.F32(1, 7)]));
        Assert.Throws<ShapeException>(() =>
            new LanguageMatchScoreOp().Infer([TensorType.F32(4, 3, 5, 8), TensorType.F32(2, 8)]));
    }

    /// <summary>
    /// BMRW as upstream writes it, in float64: the inverse of (I − w²A) by Gauss–Jordan elimination (independent
    /// of the op's LU), then multiplied with U = w·zᵀ·y + x.
    /// </summary>
    private static double[] BmrwReference(double[] x, double[] y, int n, int k, int m, int d)
    {
        const double w = 0.5, eps = 1e-9;
        var result = new double[n * k * d];
        for (int b = 0; b < n; b++)
        {
            double[] Normalised(double[] v, int off, int rows)
            {
                var r = new double[rows * d];
                for (int i = 0; i < rows; i++)
                {
                    double norm = Math.Sqrt(Enumerable.Range(0, d).Sum(c => v[off + i * d + c] * v[off + i * d + c]))
                        + eps;
                    for (int c = 0; c < d; c++) r[i * d + c] = v[off + i * d + c] / norm;
                }
                return r;
            }
            int xo = b * k * d, yo = b * m * d;
            var xn = Normalised(x, xo, k);
            var yn = Normalised(y, yo, m);
            var z = new double[m, k];
            for (int j = 0; j < k; j++)
            {
                var logits = Enumerable.Range(0, m).Select(i =>
                    5 * Enumerable.Range(0, d).Sum(c => yn[i * d + c] * xn[j * d + c])).ToArray();
                double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
                for (int i = 0; i < m; i++) z[i, j] = Math.Exp(logits[i] - max) / sum;
            }
            var system = new double[k, k];
            for (int r = 0; r < k; r++)
                for (int c = 0; c < k; c++)
                    system[r, c] = (r == c ? 1 : 0) - w * w
                        * Enumerable.Range(0, m).Sum(i =>
                            z[i, r] * z[i, c] / (Enumerable.Range(0, k).Sum(j => z[i, j]) + eps));
            var inverse = GaussJordanInverse(system);
            for (int r = 0; r < k; r++)
                for (int c = 0; c < d; c++)
                {
                    double s = 0;
                    for (int j = 0; j < k; j++)
                        s += inverse[r, j]
                            * (w * Enumerable.Range(0, m).Sum(i => z[i, j] * y[yo + i * d + c]) + x[xo + j * d + c]);
                    result[xo + r * d + c] = (1 - w) * s;
                }
        }
        return result;
    }

    private static double[,] GaussJordanInverse(double[,] a)
    {
        int n = a.GetLength(0);
        var aug = new double[n, 2 * n];
        for (int r = 0; r < n; r++)
        {
            for (int c = 0; c < n; c++) aug[r, c] = a[r, c];
            aug[r, n + r] = 1;
        }
        for (int col = 0; col < n; col++)
        {
            int pivot = Enumerable.Range(col, n - col).MaxBy(r => Math.Abs(aug[r, col]));
            for (int c = 0; c < 2 * n; c++) (aug[col, c], aug[pivot, c]) = (aug[pivot, c], aug[col, c]);
            double p = aug[col, col];
            for (int c = 0; c < 2 * n; c++) aug[col, c] /= p;
            for (int r = 0; r < n; r++)
            {
                if (r == col) continue;
                double f = aug[r, col];
                for (int c = 0; c < 2 * n; c++) aug[r, c] -= f * aug[col, c];
            }
        }
        var inv = new double[n, n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) inv[r, c] = aug[r, n + c];
        return inv;
    }
}
