using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;
using static MRVS.Tests.Support.OpRunner;

namespace MRVS.Tests.Cpu;

/// <summary>
/// The CPU backend's basic ops against float64 references on fresh random inputs (awkward sizes included).
/// </summary>
public class BasicOpTests
{
    private Random _rng = new();

    [SetUp] public void Seed() => _rng = new Random(TestContext.CurrentContext.Test.Name.GetHashCode());


    [TestCase(1, 1, 1)]
    [TestCase(7, 33, 5)]
    [TestCase(65, 17, 130)]
    public void LinearWithBiasAndActivation(int m, int k, int n)
    {
        var x = Random(_rng, m, k); var w = Random(_rng, n, k); var b = Random(_rng, n);
        foreach (var act in Enum.GetValues<Activation>())
        {
            var y = Run(new LinearOp(act), x, w, b);
            var xs = x.ToDoubleArray(); var ws = w.ToDoubleArray(); var bs = b.ToDoubleArray();
            var e = new double[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = bs[j];
                    for (int t = 0; t < k; t++) s += xs[i * k + t] * ws[j * k + t];
                    e[i * n + j] = act switch
                    {
                        Activation.Relu => Math.Max(0, s),
                        Activation.Gelu => 0.5 * s * (1 + Backends.Cpu.Ops.Activations.Erf(s / Math.Sqrt(2))),
                        Activation.Sigmoid => 1 / (1 + Math.Exp(-s)),
                        Activation.Tanh => Math.Tanh(s),
                        _ => s,
                    };
                }
            TensorAssert.Near(y, e);
        }
    }

    [Test]
    public void ErfMatchesKnownValues()
    {
        Assert.That(Backends.Cpu.Ops.Activations.Erf(0.5), Is.EqualTo(0.5204998778130465).Within(1e-12));
        Assert.That(Backends.Cpu.Ops.Activations.Erf(-1.0), Is.EqualTo(-0.8427007929497149).Within(1e-12));
        Assert.That(Backends.Cpu.Ops.Activations.Erf(2.9), Is.EqualTo(0.9999589021219005).Within(1e-12));
        Assert.That(Backends.Cpu.Ops.Activations.Erf(3.5), Is.EqualTo(0.9999992569016276).Within(1e-12));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void BatchedMatMul(bool transposeB)
    {
        int batch = 3, m = 5, k = 7, n = 9;
        var a = Random(_rng, batch, m, k);
        var b = transposeB ? Random(_rng, batch, n, k) : Random(_rng, batch, k, n);
        var y = Run(new MatMulOp(transposeB, 0.5f), a, b);
        var av = a.ToDoubleArray(); var bv = b.ToDoubleArray();
        var e = new double[batch * m * n];
        for (int z = 0; z < batch; z++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int t = 0; t < k; t++)
                        s += av[(z * m + i) * k + t] * (transposeB ? bv[(z * n + j) * k + t] : bv[(z * k + t) * n + j]);
                    e[(z * m + i) * n + j] = 0.5 * s;
                }
        TensorAssert.Near(y, e);
    }

    [TestCase(1, 1, 1, 8)]
    [TestCase(2, 5, 9, 12)]
    public void AttentionWithMasks(int batch, int lq, int lk, int e)
    {
        int heads = 4, dh = e / heads;
        var q = Random(_rng, batch, lq, e); var k = Random(_rng, batch, lk, e); var v = Random(_rng, batch, lk, e);
        var kpm = Tensor.Zeros(DType.Bool, batch, lk);
        for (int i = 1; i < batch * lk; i += 3) kpm.Span<byte>()[i] = (byte)(i % lk == 0 ? 0 : 1);
        var add = Random(_rng, lq, lk);
        var y = Run(new AttentionOp(heads, AttentionScaling.ScaleQuery, true, true), q, k, v, kpm, add);
        var qv = q.ToDoubleArray(); var kv = k.ToDoubleArray(); var vv = v.ToDoubleArray();
        var m = kpm.ToDoubleArray(); var av = add.ToDoubleArray();
        var exp = new double[batch * lq * e];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < lq; i++)
                {
                    var s = new double[lk];
                    for (int j = 0; j < lk; j++)
                    {
                        double d = 0;
                        for (int c = 0; c < dh; c++)
                            d += qv[(b * lq + i) * e + h * dh + c] * kv[(b * lk + j) * e + h * dh + c];
                        s[j] = m[b * lk + j] != 0 ? double.NegativeInfinity : d / Math.Sqrt(dh) + av[i * lk + j];
                    }
                    double mx = s.Max(), sum = s.Sum(x => Math.Exp(x - mx));
                    for (int c = 0; c < dh; c++)
                        exp[(b * lq + i) * e + h * dh + c] = Enumerable.Range(0, lk).Sum(j =>
                            Math.Exp(s[j] - mx) / sum * vv[(b * lk + j) * e + h * dh + c]);
                }
        TensorAssert.Near(y, exp);
    }

    [TestCase(1, 1)]
    [TestCase(6, 129)]
    public void LayerNormWithResidual(int rows, int n)
    {
        var x = Random(_rng, rows, n); var r = Random(_rng, rows, n); var g = Random(_rng, n); var b = Random(_rng, n);
        var y = Run(new LayerNormOp(1e-5f, residual: true), x, r, g, b);
        var xv = x.ToDoubleArray(); var rv = r.ToDoubleArray(); var gv = g.ToDoubleArray(); var bv = b.ToDoubleArray();
        var e = new double[rows * n];
        for (int i = 0; i < rows; i++)
        {
            var row = Enumerable.Range(0, n).Select(j => xv[i * n + j] + rv[i * n + j]).ToArray();
            double mean = row.Average(), var_ = row.Select(z => (z - mean) * (z - mean)).Average();
            for (int j = 0; j < n; j++) e[i * n + j] = (row[j] - mean) / Math.Sqrt(var_ + 1e-5) * gv[j] + bv[j];
        }
        TensorAssert.Near(y, e, 1e-4);
    }

    [Test]
    public void GroupNormWithRelu()
    {
        int n = 2, c = 6, hw = 7, groups = 3;
        var x = Random(_rng, n, c, 1, hw); var g = Random(_rng, c); var b = Random(_rng, c);
        var y = Run(new GroupNormOp(groups, 1e-5f, relu: true), x, g, b);
        var xv = x.ToDoubleArray(); var gv = g.ToDoubleArray(); var bv = b.ToDoubleArray();
        var e = new double[xv.Length];
        int cg = c / groups;
        for (int i = 0; i < n; i++)
            for (int grp = 0; grp < groups; grp++)
            {
                var idx = Enumerable.Range(0, cg * hw).Select(t => (i * c + grp * cg) * hw + t).ToArray();
                double mean = idx.Average(t => xv[t]), v = idx.Average(t => (xv[t] - mean) * (xv[t] - mean));
                foreach (var t in idx)
                {
                    int ch = t / hw % c;
                    e[t] = Math.Max(0, (xv[t] - mean) / Math.Sqrt(v + 1e-5) * gv[ch] + bv[ch]);
                }
            }
        TensorAssert.Near(y, e, 1e-4);
    }

    [Test]
    public void BinaryBroadcasts()
    {
        var a = Random(_rng, 2, 3, 5); var b = Random(_rng, 3, 1);
        var y = Run(new BinaryOp(BinaryKind.Sub), a, b);
        var av = a.ToDoubleArray(); var bv = b.ToDoubleArray();
        TensorAssert.Near(y, Enumerable.Range(0, 30).Select(i => av[i] - bv[i / 5 % 3]).ToArray());
        var c = Random(_rng, 3, 5);
        var z = Run(new BinaryOp(BinaryKind.Mul), a, c);
        var cv = c.ToDoubleArray();
        TensorAssert.Near(z, Enumerable.Range(0, 30).Select(i => av[i] * cv[i % 15]).ToArray());
    }

    [Test]
    public void UnaryInverseSigmoidClampsLikeDeformableDetr()
    {
        var x = Tensor.FromSpan<float>([0f, 1f, 0.5f, 0.25f, -3f, 2f], 6);
        var y = Run(new UnaryOp(UnaryKind.InverseSigmoid), x);
        double Inv(double v) { v = Math.Clamp(v, 0, 1); return Math.Log(Math.Max(v, 1e-5) / Math.Max(1 - v, 1e-5)); }
        TensorAssert.Near(y, new[] { 0.0, 1, 0.5, 0.25, -3, 2 }.Select(Inv).ToArray());
    }

    [Test]
    public void SoftmaxRows()
    {
        var x = Random(_rng, 3, 11);
        var y = Run(new SoftmaxOp(), x);
        var xv = x.ToDoubleArray();
        var e = new double[33];
        for (int r = 0; r < 3; r++)
        {
            double s = Enumerable.Range(0, 11).Sum(j => Math.Exp(xv[r * 11 + j]));
            for (int j = 0; j < 11; j++) e[r * 11 + j] = Math.Exp(xv[r * 11 + j]) / s;
        }
        TensorAssert.Near(y, e);
    }

    [Test]
    public void PermuteSliceConcat()
    {
        var x = Random(_rng, 2, 3, 4);
        var xv = x.ToDoubleArray();
        var p = Run(new PermuteOp(2, 0, 1), x);
        Assert.That(p.Shape, Is.EqualTo(new[] { 4, 2, 3 }));
        TensorAssert.Near(p, Enumerable.Range(0, 24).Select(i => xv[(i / 3 % 2) * 12 + (i % 3) * 4 + i / 6]).ToArray(),
            0);
        var s = Run(new SliceOp(2, 1, 2, 2), x);
        TensorAssert.Near(s, Enumerable.Range(0, 12).Select(i => xv[(i / 2) * 4 + 1 + (i % 2) * 2]).ToArray(), 0);
        var c = Run(new ConcatOp(1), x, x);
        Assert.That(c.Shape, Is.EqualTo(new[] { 2, 6, 4 }));
        TensorAssert.Near(c, Enumerable.Range(0, 48).Select(i => xv[(i / 24) * 12 + (i % 12)]).ToArray(), 0);
    }

    [TestCase(1, 0, 1)]
    [TestCase(3, 1, 2)]
    [TestCase(3, 1, 1)]
    public void Conv2d(int kernel, int pad, int stride)
    {
        int n = 2, cin = 3, cout = 5, h = 7, w = 6;
        var x = Random(_rng, n, cin, h, w); var wt = Random(_rng, cout, cin, kernel, kernel);
        var b = Random(_rng, cout);
        var y = Run(new Conv2dOp(stride, pad), x, wt, b);
        int oh = (h + 2 * pad - kernel) / stride + 1, ow = (w + 2 * pad - kernel) / stride + 1;
        var xv = x.ToDoubleArray(); var wv = wt.ToDoubleArray(); var bv = b.ToDoubleArray();
        var e = new double[n * cout * oh * ow];
        for (int i = 0; i < n; i++)
            for (int o = 0; o < cout; o++)
                for (int yy = 0; yy < oh; yy++)
                    for (int xx = 0; xx < ow; xx++)
                    {
                        double s = bv[o];
                        for (int c = 0; c < cin; c++)
                            for (int ky = 0; ky < kernel; ky++)
                                for (int kx = 0; kx < kernel; kx++)
                                {
                                    int iy = yy * stride - pad + ky, ix = xx * stride - pad + kx;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                        s += xv[((i * cin + c) * h + iy) * w + ix]
                                            * wv[((o * cin + c) * kernel + ky) * kernel + kx];
                                }
                        e[((i * cout + o) * oh + yy) * ow + xx] = s;
                    }
        TensorAssert.Near(y, e);
    }

    [Test]
    public void NearestUsesPyTorchLegacyIndexing()
    {
        // 12×20 → 23×40 takes floor(dst·12/23) rows, not a ×2 repeat (FPN skip sizes).
        var x = Tensor.Zeros(DType.F32, 1, 12, 20);
        var xs = x.Span<float>();
        for (int i = 0; i < xs.Length; i++) xs[i] = i;
        var y = Run(new InterpolateOp(InterpolationMode.Nearest, 23, 40), x);
        var ys = y.Span<float>();
        for (int r = 0; r < 23; r++)
            for (int c = 0; c < 40; c++)
                Assert.That(ys[r * 40 + c], Is.EqualTo((int)MathF.Floor(r * (12f / 23f)) * 20 + (c >> 1)));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void BilinearMatchesTheFormula(bool alignCorners)
    {
        int ih = 3, iw = 5, oh = 7, ow = 4;
        var x = Random(_rng, 2, ih, iw);
        var y = Run(new InterpolateOp(alignCorners ? InterpolationMode.BilinearAlignCornersTrue
            : InterpolationMode.BilinearAlignCornersFalse, oh, ow), x);
        var xv = x.ToDoubleArray();
        double Src(int d, int inS, int outS) =>
            alignCorners ? d * (inS - 1.0) / (outS - 1) : Math.Max(0, (d + 0.5) * inS / outS - 0.5);
        var e = new double[2 * oh * ow];
        for (int p = 0; p < 2; p++)
            for (int r = 0; r < oh; r++)
                for (int c = 0; c < ow; c++)
                {
                    double sy = Src(r, ih, oh), sx = Src(c, iw, ow);
                    int y0 = (int)sy, x0 = (int)sx, y1 = Math.Min(y0 + 1, ih - 1), x1 = Math.Min(x0 + 1, iw - 1);
                    double ly = sy - y0, lx = sx - x0;
                    double V(int yy, int xx) => xv[(p * ih + yy) * iw + xx];
                    e[(p * oh + r) * ow + c] = (1 - ly) * ((1 - lx) * V(y0, x0) + lx * V(y0, x1))
                        + ly * ((1 - lx) * V(y1, x0) + lx * V(y1, x1));
                }
        TensorAssert.Near(y, e, 1e-5);
    }

    [Test]
    public void EmbeddingGathersRowsAndRejectsOutOfRangeIds()
    {
        var table = Random(_rng, 4, 3);
        var ids = Tensor.FromSpan<long>([3L, 0L, 3L], 1, 3);
        var y = Run(new EmbeddingOp(), table, ids);
        var tv = table.ToDoubleArray();
        TensorAssert.Near(y, new[] { 3, 0, 3 }.SelectMany(i => tv.Skip(i * 3).Take(3)).ToArray(), 0);
        var bad = Tensor.FromSpan<long>([4L], 1);
        Assert.That(() => Run(new EmbeddingOp(), table, bad),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("token id 4"));
    }

    [Test]
    public void CastBoolAndFloat()
    {
        var x = Tensor.FromSpan<float>([0f, 2f, -1f], 3);
        var b = Run(new CastOp(DType.Bool), x);
        Assert.That(b.Span<byte>().ToArray(), Is.EqualTo(new byte[] { 0, 1, 1 }));
        var f = Run(new CastOp(DType.F32), b);
        Assert.That(f.Span<float>().ToArray(), Is.EqualTo(new[] { 0f, 1f, 1f }));
    }
}
