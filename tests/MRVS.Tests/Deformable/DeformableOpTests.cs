using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;
using static MRVS.Tests.Support.OpRunner;

namespace MRVS.Tests.Deformable;

/// <summary>
/// The deformable-transformer ops against float64 references on fresh random inputs (awkward sizes, padded masks).
/// </summary>
public class DeformableOpTests
{
    private readonly Random _rng = new(7);


    private Tensor Uniform(double lo, double hi, params int[] shape)
    {
        var t = Tensor.Zeros(DType.F32, shape);
        var s = t.Span<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(lo + (hi - lo) * _rng.NextDouble());
        return t;
    }

    /// <summary>
    /// Upstream's ms_deform_attn_core in float64: grid_sample bilinear (align_corners = False, zeros outside) per level
    /// and point, weighted sum.
    /// </summary>
    private static double[] MsDeformAttnReference(Tensor value, Tensor locations, Tensor weights, int[][] shapes)
    {
        int n = value.Shape[0], s = value.Shape[1], m = value.Shape[2], d = value.Shape[3];
        int lq = locations.Shape[1], levels = shapes.Length, points = locations.Shape[4];
        var v = value.ToDoubleArray(); var loc = locations.ToDoubleArray(); var w = weights.ToDoubleArray();
        var y = new double[n * lq * m * d];
        for (int b = 0; b < n; b++)
            for (int q = 0; q < lq; q++)
                for (int h = 0; h < m; h++)
                    for (int l = 0, start = 0; l < levels; start += shapes[l][0] * shapes[l][1], l++)
                        for (int p = 0; p < points; p++)
                        {
                            int k = (((b * lq + q) * m + h) * levels + l) * points + p, hl = shapes[l][0],
                                wl = shapes[l][1];
                            double x = loc[2 * k] * wl - 0.5, yy = loc[2 * k + 1] * hl - 0.5;
                            int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(yy);
                            for (int cy = y0; cy <= y0 + 1; cy++)
                                for (int cx = x0; cx <= x0 + 1; cx++)
                                {
                                    if (cy < 0 || cx < 0 || cy >= hl || cx >= wl) continue;
                                    double bilinear = (1 - Math.Abs(x - cx)) * (1 - Math.Abs(yy - cy));
                                    for (int c = 0; c < d; c++)
                                        y[((b * lq + q) * m + h) * d + c] += w[k] * bilinear
                                            * v[((b * s + start + cy * wl + cx) * m + h) * d + c];
                                }
                        }
        return y;
    }

    [Test]
    public void MsDeformAttnAwkwardSizesAndBorders()
    {
        int[][] shapes = [[1, 1], [3, 7], [5, 2], [1, 4]];
        int n = 2, m = 3, d = 5, lq = 7, points = 3, s = shapes.Sum(x => x[0] * x[1]);
        var value = Uniform(-1, 1, n, s, m, d);
        var locations = Uniform(-0.4, 1.4, n, lq, m, shapes.Length, points, 2);
        var borders = new[] { 0f, 1f, -1e-7f, 1 + 1e-7f, 0.5f };
        var loc = locations.Span<float>();
        for (int i = 0; i < loc.Length; i += 7) loc[i] = borders[i % borders.Length];
        var weights = Uniform(-1, 1, n, lq, m, shapes.Length, points);
        var y = Run(new MsDeformAttnOp(shapes), value, locations, weights);
        Assert.That(y.Shape, Is.EqualTo(new[] { n, lq, m * d }));
        TensorAssert.Near(y, MsDeformAttnReference(value, locations, weights, shapes), 2e-5);
    }

    [Test]
    public void MsDeformAttnSinglePixelSingleChannel()
    {
        int[][] shapes = [[1, 1]];
        var value = Uniform(-2, 2, 1, 1, 1, 1);
        var locations = Uniform(-0.6, 1.6, 1, 9, 1, 1, 1, 2);
        var weights = Uniform(0, 1, 1, 9, 1, 1, 1);
        var y = Run(new MsDeformAttnOp(shapes), value, locations, weights);
        TensorAssert.Near(y, MsDeformAttnReference(value, locations, weights, shapes), 2e-5);
    }

    /// <summary>
    /// The fused form (the projection's offsets and logits, reference points) against the given form's float64
    /// reference fed with upstream's locations and softmax weights computed in float64: 2-d references (encoder) and
    /// 4-d boxes (decoder).
    /// </summary>
    [TestCase(2)]
    [TestCase(4)]
    public void MsDeformAttnFusedFormComputesLocationsAndSoftmax(int refDims)
    {
        int[][] shapes = [[3, 7], [2, 2], [1, 3]];
        int n = 2, m = 3, d = 5, lq = 4, points = 2, levels = shapes.Length, s = shapes.Sum(x => x[0] * x[1]);
        var value = Uniform(-1, 1, n, s, m, d);
        var offsets = Uniform(-3, 3, n, lq, m * levels * points * 2);
        var logits = Uniform(-4, 4, n, lq, m * levels * points);
        var reference = Uniform(-0.1, 1.1, n, lq, levels, refDims);
        var projection = Tensor.Zeros(DType.F32, n, lq, 3 * m * levels * points);
        int width = m * levels * points;
        for (int row = 0; row < n * lq; row++)
        {
            var to = projection.Span<float>()[(row * 3 * width)..];
            offsets.Span<float>().Slice(row * 2 * width, 2 * width).CopyTo(to);
            logits.Span<float>().Slice(row * width, width).CopyTo(to[(2 * width)..]);
        }
        var y = Run(new MsDeformAttnOp(shapes), value, projection, reference);
        Assert.That(y.Shape, Is.EqualTo(new[] { n, lq, m * d }));

        var o = offsets.ToDoubleArray(); var g = logits.ToDoubleArray(); var r = reference.ToDoubleArray();
        var locations = Tensor.Zeros(DType.F32, n, lq, m, levels, points, 2);
        var weights = Tensor.Zeros(DType.F32, n, lq, m, levels, points);
        var loc = locations.Span<float>();
        var w = weights.Span<float>();
        int samples = levels * points;
        for (int item = 0; item < n * lq * m; item++)
        {
            double max = Enumerable.Range(0, samples).Max(k => g[item * samples + k]);
            double sum = Enumerable.Range(0, samples).Sum(k => Math.Exp(g[item * samples + k] - max));
            for (int k = 0; k < samples; k++)
            {
                int i = item * samples + k, l = k / points;
                int rr = (item / m * levels + l) * refDims;
                w[i] = (float)(Math.Exp(g[i] - max) / sum);
                loc[2 * i] = (float)(refDims == 2 ? r[rr] + o[2 * i] / shapes[l][1] : r[rr] + o[2 * i] / points
                    * r[rr + 2] * 0.5);
                loc[2 * i + 1] = (float)(refDims == 2 ? r[rr + 1] + o[2 * i + 1] / shapes[l][0] : r[rr + 1]
                    + o[2 * i + 1] / points * r[rr + 3] * 0.5);
            }
        }
        TensorAssert.Near(y, MsDeformAttnReference(value, locations, weights, shapes), 2e-5);
    }

    [Test]
    public void MsDeformAttnRejectsAProjectionOfTheWrongWidth()
    {
        var op = new MsDeformAttnOp([[2, 3], [1, 2]]);
        var ex = Assert.Throws<MRVS.Core.Graph.ShapeException>(() => Run(op, Tensor.Zeros(DType.F32, 1, 8, 2, 4),
            Tensor.Zeros(DType.F32, 1, 3, 3 * 2 * 2 * 3 + 2), Tensor.Zeros(DType.F32, 1, 3, 2, 2)));
        Assert.That(ex!.Message, Does.Contain("projection").And.Contain("[1, 3, 38]"));
    }

    [Test]
    public void MsDeformAttnRejectsMoreItemsThanItsKernelIndexes()
    {
        // Types only: 2^28 queries × 8 heads of (image, query, head) items pass 2^31.
        var op = new MsDeformAttnOp([[2, 3]]);
        var ex = Assert.Throws<ShapeException>(() => op.Infer(
            [new TensorType(DType.F32, [1, 6, 8, 4]), new TensorType(DType.F32, [1, 1 << 28, 3 * 8]),
                new TensorType(DType.F32, [1, 1 << 28, 1, 2])]));
        Assert.That(ex!.Message, Does.Contain("268435456 queries × 8 heads"));
    }

    [Test]
    public void MsDeformAttnRejectsMismatchedLevels()
    {
        var op = new MsDeformAttnOp([[2, 3], [1, 2]]);
        var ex = Assert.Throws<MRVS.Core.Graph.ShapeException>(() =>
            Run(op, Tensor.Zeros(DType.F32, 1, 7, 2, 4), Tensor.Zeros(DType.F32, 1, 3, 2, 2, 1, 2),
                Tensor.Zeros(DType.F32, 1, 3, 2, 2, 1)));
        Assert.That(ex!.Message, Does.Contain("value"));
    }

    /// <summary>
    /// Frames padded to the right and bottom by different amounts (the first row and column decide, like upstream).
    /// </summary>
    private Tensor PaddedMasks(int frames, int h, int w, out int[] validRows, out int[] validCols)
    {
        var mask = Tensor.Zeros(DType.Bool, frames, h, w);
        var bits = mask.Span<byte>();
        validRows = new int[frames];
        validCols = new int[frames];
        for (int f = 0; f < frames; f++)
        {
            validRows[f] = 1 + _rng.Next(h);
            validCols[f] = 1 + _rng.Next(w);
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    bits[(f * h + i) * w + j] = (byte)(i >= validRows[f] || j >= validCols[f] ? 1 : 0);
        }
        return mask;
    }

    [Test]
    public void ValidRatioOfPaddedMasks()
    {
        int frames = 5, h = 7, w = 3;
        var mask = PaddedMasks(frames, h, w, out var rows, out var cols);
        var y = Run(new ValidRatioOp(), mask).Span<float>().ToArray();
        for (int f = 0; f < frames; f++)
        {
            Assert.That(y[2 * f], Is.EqualTo((float)cols[f] / w), $"frame {f} width ratio");
            Assert.That(y[2 * f + 1], Is.EqualTo((float)rows[f] / h), $"frame {f} height ratio");
        }
    }

    [Test]
    public void EncoderReferencePointsWithPadding()
    {
        int[][] shapes = [[3, 5], [1, 1], [2, 3]];
        int n = 2, levels = shapes.Length, s = shapes.Sum(x => x[0] * x[1]);
        var ratios = Uniform(0.3, 1, n, levels, 2);
        var y = Run(new DeformableReferencePointsOp(shapes), ratios);
        Assert.That(y.Shape, Is.EqualTo(new[] { n, s, levels, 2 }));
        var vr = ratios.ToDoubleArray();
        var e = new double[n * s * levels * 2];
        for (int b = 0; b < n; b++)
            for (int l = 0, token = 0; l < levels; l++)
                for (int i = 0; i < shapes[l][0]; i++)
                    for (int j = 0; j < shapes[l][1]; j++, token++)
                    {
                        double rx = (j + 0.5) / (vr[(b * levels + l) * 2] * shapes[l][1]),
                            ry = (i + 0.5) / (vr[(b * levels + l) * 2 + 1] * shapes[l][0]);
                        for (int t = 0; t < levels; t++)
                        {
                            e[((b * s + token) * levels + t) * 2] = rx * vr[(b * levels + t) * 2];
                            e[((b * s + token) * levels + t) * 2 + 1] = ry * vr[(b * levels + t) * 2 + 1];
                        }
                    }
        TensorAssert.Near(y, e, 1e-6);
    }
}
