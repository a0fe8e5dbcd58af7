using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;
using static MRVS.Tests.Support.OpRunner;

namespace MRVS.Tests.Cpu;

/// <summary>The model-specific CPU ops against float64 references on fresh random inputs (awkward sizes).</summary>
public class ModelOpTests
{
    private readonly Random _rng = new(11);


    [Test]
    public void DynamicMaskHeadIsThePerQueryMlpOverFeaturesAndCoordinates()
    {
        int t = 2, c = 3, h = 3, w = 5, q = 2, ch = 4, layers = 3;
        var op = new DynamicMaskHeadOp(ch, layers, imageHeight: 11, imageWidth: 19, stride: 4);
        int np = op.ParamCount(c + 2);
        var f = Random(_rng, t, c, h, w); var p = Random(_rng, t, q, np); var r = Random(_rng, t, q, 2);
        var y = Run(op, f, p, r);
        var fv = f.ToDoubleArray(); var pv = p.ToDoubleArray(); var rv = r.ToDoubleArray();
        var e = new double[t * q * h * w];
        var sizes = op.WeightCounts(c + 2).Concat(op.BiasCounts()).ToArray();
        for (int ti = 0; ti < t; ti++)
            for (int qi = 0; qi < q; qi++)
                for (int yy = 0; yy < h; yy++)
                    for (int xx = 0; xx < w; xx++)
                    {
                        int pb = (ti * q + qi) * np;
                        var a = Enumerable.Range(0, c).Select(k => fv[((ti * c + k) * h + yy) * w + xx]).ToList();
                        a.Add(rv[(ti * q + qi) * 2] * 19 - (4 * xx + 2));
                        a.Add(rv[(ti * q + qi) * 2 + 1] * 11 - (4 * yy + 2));
                        int off = 0, boff = sizes.Take(layers).Sum();
                        for (int l = 0; l < layers; l++)
                        {
                            int outs = l == layers - 1 ? 1 : ch;
                            var next = new List<double>();
                            for (int o = 0; o < outs; o++)
                            {
                                double s = pv[pb + boff + o];
                                for (int i = 0; i < a.Count; i++) s += pv[pb + off + o * a.Count + i] * a[i];
                                next.Add(l < layers - 1 ? Math.Max(0, s) : s);
                            }
                            off += sizes[l];
                            boff += sizes[layers + l];
                            a = next;
                        }
                        e[((ti * q + qi) * h + yy) * w + xx] = a[0];
                    }
        TensorAssert.Near(y, e, 1e-5);
    }

    [Test]
    public void SinePositionEncoding2dWithoutPadding()
    {
        int h = 3, w = 4, f = 6;
        var y = Run(new SinePositionEncodingOp(f, twoDimensional: true), Tensor.Zeros(DType.Bool, 1, h, w));
        var e = new double[2 * f * h * w];
        for (int k = 0; k < f; k++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    double dim = Math.Pow(10000, 2 * (k / 2) / (double)f);
                    double ey = (i + 0.5) / (h + 1e-6) * 2 * Math.PI / dim,
                        ex = (j + 0.5) / (w + 1e-6) * 2 * Math.PI / dim;
                    e[(k * h + i) * w + j] = k % 2 == 0 ? Math.Sin(ey) : Math.Cos(ey);
                    e[((f + k) * h + i) * w + j] = k % 2 == 0 ? Math.Sin(ex) : Math.Cos(ex);
                }
        TensorAssert.Near(y, e, 1e-5);
    }

    [Test]
    public void SamplingLocationsBothReferenceKinds()
    {
        int[][] shapes = [[3, 5], [2, 2]];
        var off = Random(_rng, 1, 2, 2 * 2 * 3 * 2);
        var ref2 = Random(_rng, 1, 2, 2, 2);
        var ref4 = Random(_rng, 1, 2, 2, 4);
        var op = new DeformableSamplingLocationsOp(2, 3, shapes);
        var y2 = Run(op, off, ref2).ToDoubleArray();
        var y4 = Run(op, off, ref4).ToDoubleArray();
        var o = off.ToDoubleArray(); var r2 = ref2.ToDoubleArray(); var r4 = ref4.ToDoubleArray();
        for (int k = 0; k < 2 * 2 * 2 * 3; k++)
        {
            int l = k / 3 % 2, query = k / 12;
            Assert.That(y2[2 * k], Is.EqualTo(r2[(query * 2 + l) * 2] + o[2 * k] / shapes[l][1]).Within(1e-6));
            Assert.That(y2[2 * k + 1],
                Is.EqualTo(r2[(query * 2 + l) * 2 + 1] + o[2 * k + 1] / shapes[l][0]).Within(1e-6));
            Assert.That(y4[2 * k],
                Is.EqualTo(r4[(query * 2 + l) * 4] + o[2 * k] / 3 * r4[(query * 2 + l) * 4 + 2] * 0.5).Within(1e-6));
        }
    }
}
