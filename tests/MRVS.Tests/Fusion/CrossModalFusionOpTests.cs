using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;
using static MRVS.Tests.Support.OpRunner;

namespace MRVS.Tests.Fusion;

/// <summary>
/// The cross_modal_fusion op (attention over the memory, out_proj, gate) against a float64 reference and the unfused
/// ops.
/// </summary>
public class CrossModalFusionOpTests
{
    private readonly Random _rng = new(31);

    private Tensor[] Inputs(int batch, int lq, int lk, int e, bool masked)
    {
        Tensor[] dense =
            [Random(_rng, batch, lq, e), Random(_rng, batch, lk, e), Random(_rng, batch, lk, e), Random(_rng, e, e),
                Random(_rng, e), Random(_rng, batch, lq, e)];
        if (!masked) return dense;
        // Every other memory token padded, the first of each batch entry kept (a fully padded row is NaN).
        var mask = Tensor.Zeros(DType.Bool, batch, lk);
        for (int i = 0; i < batch * lk; i++) mask.Span<byte>()[i] = (byte)(i % lk % 2);
        return [.. dense, mask];
    }

    [TestCase(1, 1, 1, 4, 1, false)]
    [TestCase(1, 7, 5, 16, 8, true)]
    [TestCase(2, 13, 40, 24, 3, true)]
    [TestCase(1, 3, 9, 10, 2, false)]
    public void MatchesTheFloat64Reference(int batch, int lq, int lk, int e, int heads, bool masked)
    {
        var x = Inputs(batch, lq, lk, e, masked);
        var y = Run(new CrossModalFusionOp(heads, masked), x);
        Assert.That(y.Shape, Is.EqualTo(new[] { batch, lq, e }));
        TensorAssert.Near(y, Reference(x, batch, lq, lk, e, heads), 1e-5);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void IsBitIdenticalToTheUnfusedOps(bool masked)
    {
        int batch = 1, lq = 9, lk = 6, e = 16, heads = 8;
        var x = Inputs(batch, lq, lk, e, masked);
        var g = new ComputeGraph();
        var v = x.Select((t, i) => g.Input($"in{i}", t.DType, t.Shape)).ToArray();
        var attention = masked
            ? g.Add(new AttentionOp(heads, AttentionScaling.ScaleQuery, keyPaddingMask: true), "attention", v[0], v[1],
                v[2], v[6])
            : g.Add(new AttentionOp(heads), "attention", v[0], v[1], v[2]);
        var projected = g.Add(new LinearOp(), "out_proj", attention, v[3], v[4]);
        g.Tap("out", g.Add(new BinaryOp(BinaryKind.Mul), "gate", v[5], projected));
        using var ex = new Core.Execution.Executor(g, new Backends.Cpu.CpuBackend());
        var unfused =
            ex.Run(x.Select((t, i) => (Name: $"in{i}", t)).ToDictionary(p => p.Name, p => p.t)).Outputs["out"];
        TensorAssert.Equal(Run(new CrossModalFusionOp(heads, masked), x), unfused, "cross_modal_fusion");
    }

    [Test]
    public void ShapeProblemsAreReportedAtBuildTime()
    {
        TensorType[] Types(int lqTarget, int e, int w, int maskLength)
        {
            TensorType[] t =
                [TensorType.F32(1, 5, e), TensorType.F32(1, 3, e), TensorType.F32(1, 3, e), TensorType.F32(w, w),
                    TensorType.F32(w), TensorType.F32(1, lqTarget, e)];
            return maskLength < 0 ? t : [.. t, new TensorType(DType.Bool, [1, maskLength])];
        }
        Assert.That(new CrossModalFusionOp(2, true).Infer(Types(5, 8, 8, 3)).Shape, Is.EqualTo(new[] { 1, 5, 8 }));
        Assert.Throws<ShapeException>(() => new CrossModalFusionOp(2, true).Infer(Types(5, 8, 8, 4)), "mask length");
        Assert.Throws<ShapeException>(() => new CrossModalFusionOp(2).Infer(Types(5, 8, 8, 3)), "unexpected mask");
        Assert.Throws<ShapeException>(() => new CrossModalFusionOp(2).Infer(Types(4, 8, 8, -1)), "target length");
        Assert.Throws<ShapeException>(() => new CrossModalFusionOp(2).Infer(Types(5, 8, 6, -1)), "out_proj width");
        Assert.Throws<ShapeException>(() => new CrossModalFusionOp(3).Infer(Types(5, 8, 8, -1)), "heads");
    }

    /// <summary>
    /// nn.MultiheadAttention (q scaled, padded keys left out), out_proj, then ⊙ target, in float64.
    /// </summary>
    private static double[] Reference(Tensor[] x, int batch, int lq, int lk, int e, int heads)
    {
        var (q, k, v, w, bias, target) =
            (x[0].ToDoubleArray(), x[1].ToDoubleArray(), x[2].ToDoubleArray(), x[3].ToDoubleArray(),
                x[4].ToDoubleArray(), x[5].ToDoubleArray());
        var mask = x.Length > 6 ? x[6].ToDoubleArray() : new double[batch * lk];
        int dh = e / heads;
        var y = new double[batch * lq * e];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < lq; i++)
            {
                var o = new double[e];
                for (int h = 0; h < heads; h++)
                {
                    var keys = Enumerable.Range(0, lk).Where(j => mask[b * lk + j] == 0).ToArray();
                    var s = keys.Select(j =>
                        Enumerable.Range(0, dh).Sum(c =>
                            q[(b * lq + i) * e + h * dh + c]
                                * k[(b * lk + j) * e + h * dh + c]) / Math.Sqrt(dh)).ToArray();
                    double max = s.Max(), sum = s.Sum(z => Math.Exp(z - max));
                    for (int c = 0; c < dh; c++)
                        o[h * dh + c] = keys.Select((j, n) =>
                            Math.Exp(s[n] - max) / sum * v[(b * lk + j) * e + h * dh + c]).Sum();
                }
                for (int c = 0; c < e; c++)
                    y[(b * lq + i) * e + c] = target[(b * lq + i) * e + c]
                        * (bias[c] + Enumerable.Range(0, e).Sum(t => o[t] * w[c * e + t]));
            }
        return y;
    }
}
