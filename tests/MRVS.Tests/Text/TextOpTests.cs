using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using static MRVS.Tests.Support.OpRunner;

namespace MRVS.Tests.Text;

/// <summary>The text and position-encoding ops against references computed here (float64 where the op is
/// real-valued).</summary>
public class TextOpTests
{
    private readonly Random _rng = new(29);

    [TestCase(1, 1, 1)]
    [TestCase(3, 7, 1)]
    [TestCase(2, 5, 0)]
    public void RobertaPositionIdsCountRealTokensAndGivePadsThePadId(int sentences, int len, int pad)
    {
        var ids = new long[sentences * len];
        for (int i = 0; i < ids.Length; i++) ids[i] = _rng.Next(3) == 0 ? pad : _rng.Next(2, 50);
        var y = Run(new RobertaPositionIdsOp(pad), Tensor.FromSpan<long>(ids, sentences, len)).ToDoubleArray();
        for (int b = 0; b < sentences; b++)
            for (int j = 0; j < len; j++)
            {
                var row = ids.Skip(b * len).Take(len).ToArray();
                long expected = row[j] == pad ? pad : pad + row.Take(j + 1).Count(id => id != pad);
                Assert.That(y[b * len + j], Is.EqualTo(expected), $"sentence {b}, token {j}");
            }
    }

    /// <summary>1-D: x = c / (c_last + 1e-6) · 2π with c the running count of real tokens (no −0.5), [B, F,
    /// L].</summary>
    [TestCase(1, 1, 2)]
    [TestCase(2, 7, 6)]
    [TestCase(3, 9, 10)]
    public void SinePositionEncoding1dMatchesFloat64(int batch, int len, int feats)
    {
        var mask = RandomMask(batch, len);
        var y = Run(new SinePositionEncodingOp(feats, twoDimensional: false), Tensor.FromSpan<bool>(mask, batch,
            len)).ToDoubleArray();
        for (int b = 0; b < batch; b++)
        {
            var counts = RunningCounts(mask, b * len, len, 1);
            for (int j = 0; j < len; j++)
            {
                double x = counts[j] / (counts[len - 1] + 1e-6) * 2 * Math.PI;
                for (int k = 0; k < feats; k++)
                    Assert.That(y[(b * feats + k) * len + j], Is.EqualTo(SinCos(x, k, feats)).Within(1e-5),
                        $"sentence {b}, channel {k}, token {j}");
            }
        }
    }

    /// <summary>2-D with bottom/right padding as the input mask gives it: y channels [0, F), x channels [F, 2F), offset
    /// −0.5.</summary>
    [TestCase(1, 1, 1, 2)]
    [TestCase(3, 5, 7, 6)]
    [TestCase(2, 9, 4, 8)]
    public void SinePositionEncoding2dMatchesFloat64(int images, int h, int w, int feats)
    {
        var mask = new bool[images * h * w];
        for (int i = 0; i < images; i++)
        {
            int validH = 1 + _rng.Next(h), validW = 1 + _rng.Next(w);
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++) mask[(i * h + r) * w + c] = r >= validH || c >= validW;
        }
        var y = Run(new SinePositionEncodingOp(feats, twoDimensional: true), Tensor.FromSpan<bool>(mask, images, h,
            w)).ToDoubleArray();
        for (int i = 0; i < images; i++)
            for (int r = 0; r < h; r++)
            {
                var cx = RunningCounts(mask, (i * h + r) * w, w, 1);
                for (int c = 0; c < w; c++)
                {
                    var cy = RunningCounts(mask, i * h * w + c, h, w);
                    double ey = (cy[r] - 0.5) / (cy[h - 1] + 1e-6) * 2 * Math.PI, ex = (cx[c] - 0.5) / (cx[w - 1] +
                        1e-6) * 2 * Math.PI;
                    // A fully padded column (row) has no scale; FullyPaddedLinesFollowUpstreamFloat32Arithmetic covers
                    // it.
                    for (int k = 0; k < feats; k++)
                    {
                        if (cy[h - 1] > 0)
                            Assert.That(y[((i * 2 * feats + k) * h + r) * w + c], Is.EqualTo(SinCos(ey, k,
                                feats)).Within(1e-5), $"image {i}, y channel {k}, ({r}, {c})");
                        if (cx[w - 1] > 0)
                            Assert.That(y[((i * 2 * feats + feats + k) * h + r) * w + c], Is.EqualTo(SinCos(ex, k,
                                feats)).Within(1e-5), $"image {i}, x channel {k}, ({r}, {c})");
                    }
                }
            }
    }

    /// <summary>
    /// A fully padded row or column divides by 1e-6: upstream computes that huge argument in float32, so the
    /// reference does too (channels 0 and 1, where dim_t = 1 exactly and no pow rounding enters).
    /// </summary>
    [Test]
    public void FullyPaddedLinesFollowUpstreamFloat32Arithmetic()
    {
        int h = 3, w = 4, feats = 4;
        var mask = new bool[h * w];
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++) mask[r * w + c] = r == 2 || c == 3;
        var y = Run(new SinePositionEncodingOp(feats, twoDimensional: true), Tensor.FromSpan<bool>(mask, 1, h,
            w)).ToDoubleArray();
        for (int r = 0; r < h; r++)
        {
            var cx = RunningCounts(mask, r * w, w, 1);
            for (int c = 0; c < w; c++)
            {
                var cy = RunningCounts(mask, c, h, w);
                float ey = ((float)cy[r] - 0.5f) / ((float)cy[h - 1] + 1e-6f) * (2f * MathF.PI);
                float ex = ((float)cx[c] - 0.5f) / ((float)cx[w - 1] + 1e-6f) * (2f * MathF.PI);
                Assert.That(y[(0 * h + r) * w + c], Is.EqualTo(Math.Sin(ey)).Within(1e-5), $"y sin ({r}, {c})");
                Assert.That(y[(1 * h + r) * w + c], Is.EqualTo(Math.Cos(ey)).Within(1e-5), $"y cos ({r}, {c})");
                Assert.That(y[(feats * h + r) * w + c], Is.EqualTo(Math.Sin(ex)).Within(1e-5), $"x sin ({r}, {c})");
                Assert.That(y[((feats + 1) * h + r) * w + c], Is.EqualTo(Math.Cos(ex)).Within(1e-5),
                    $"x cos ({r}, {c})");
            }
        }
    }

    /// <summary>Padding anywhere, as upstream's formula allows (a real tokenizer pads only at the end).</summary>
    private bool[] RandomMask(int rows, int len)
    {
        var m = new bool[rows * len];
        for (int i = 0; i < m.Length; i++) m[i] = _rng.Next(3) == 0;
        return m;
    }

    /// <summary>Running count of unpadded entries along a line of <paramref name="len"/> entries read every <paramref
    /// name="step"/>.</summary>
    private static double[] RunningCounts(bool[] mask, int start, int len, int step)
    {
        var c = new double[len];
        for (int j = 0; j < len; j++) c[j] = (j > 0 ? c[j - 1] : 0) + (mask[start + j * step] ? 0 : 1);
        return c;
    }

    /// <summary>Channel k of a sine encoding with F features: sin (even k) or cos (odd k) of x /
    /// 10000^(2⌊k/2⌋/F).</summary>
    private static double SinCos(double x, int k, int feats)
    {
        double v = x / Math.Pow(10000, 2 * (k / 2) / (double)feats);
        return k % 2 == 0 ? Math.Sin(v) : Math.Cos(v);
    }
}
