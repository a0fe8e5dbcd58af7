using MRVS.Backends.Cpu;
using MRVS.Backends.Cpu.Ops;
using MRVS.Core.Graph.Ops;

namespace MRVS.Tests.Cpu;

/// <summary>
/// The CPU GEMM and its epilogue against float64 references at awkward sizes (partial tiles, several k-slices, strided
/// operands), bit-identical results whatever the thread count, and the span GELU against the scalar definition.
/// </summary>
public unsafe class GemmTests
{
    private static float[] Random(Random rng, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1))];

    private static float[] RunGemm(float[] a, float[] b, int m, int n, int k, bool transposeB, float alpha, int lda,
        int ldb, int ldc,
        float[]? bias = null, Activation act = Activation.None, float[]? residual = null, int threads = 2)
    {
        var c = new float[m * ldc];
        fixed (float* pa = a, pb = b, pc = c, pbias = bias, pr = residual)
            using (CpuParallel.Limit(threads))
                Gemm.Run(pa, pb, pc, m, n, k, transposeB, alpha, lda, ldb, ldc,
                    new GemmEpilogue((nint)pbias, act, (nint)pr, ldc));
        return c;
    }

    [TestCase(1, 1, 1, false)]
    [TestCase(7, 33, 5, true)]
    [TestCase(13, 70, 600, false)]
    [TestCase(97, 129, 300, true)]
    [TestCase(200, 40, 0, true)]
    public void MatchesFloat64WithStridesAndEpilogue(int m, int n, int k, bool transposeB)
    {
        var rng = new Random(m * 1000 + n * 10 + k);
        int lda = k + 3, ldb = (transposeB ? k : n) + 5, ldc = n + 2;
        var a = Random(rng, m * lda);
        var b = Random(rng, (transposeB ? n : k) * ldb);
        var bias = Random(rng, n);
        var residual = Random(rng, m * ldc);
        foreach (var act in new[] { Activation.None, Activation.Relu, Activation.Gelu })
        {
            var c = RunGemm(a, b, m, n, k, transposeB, 0.75f, lda, ldb, ldc, bias, act, residual);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int t = 0; t < k; t++)
                        s += (double)a[i * lda + t] * (transposeB ? b[j * ldb + t] : b[t * ldb + j]);
                    s = 0.75 * s + bias[j];
                    s = act switch
                    {
                        Activation.Relu => Math.Max(0, s),
                        Activation.Gelu => 0.5 * s * (1 + Activations.Erf(s / Math.Sqrt(2))),
                        _ => s,
                    };
                    s += residual[i * ldc + j];
                    Assert.That(c[i * ldc + j], Is.EqualTo(s).Within(1e-5 * Math.Max(1, Math.Sqrt(k))),
                        $"{act} C[{i}, {j}]");
                }
        }
    }

    [Test]
    public void FusedEpilogueRoundsLikeSeparatePasses()
    {
        var rng = new Random(7);
        int m = 50, n = 70, k = 300;
        var a = Random(rng, m * k); var b = Random(rng, n * k); var bias = Random(rng, n);
        var residual = Random(rng, m * n);
        var fused = RunGemm(a, b, m, n, k, true, 1f, k, k, n, bias, Activation.Gelu, residual);
        var plain = RunGemm(a, b, m, n, k, true, 1f, k, k, n);
        for (int i = 0; i < m; i++)
        {
            var row = plain.AsSpan(i * n, n);
            for (int j = 0; j < n; j++) row[j] += bias[j];
            Activations.Apply(Activation.Gelu, row);
            for (int j = 0; j < n; j++) row[j] += residual[i * n + j];
        }
        Assert.That(fused, Is.EqualTo(plain));
    }

    [TestCase(Activation.None)]
    [TestCase(Activation.Gelu)]
    public void FewRowsStreamingTheWeightsGiveTheSameBitsAsManyRows(Activation act)
    {
        var rng = new Random(5);
        int m = 150, few = 20, n = 77, k = 700;
        var a = Random(rng, m * k); var w = Random(rng, n * k); var bias = Random(rng, n);
        var residual = Random(rng, m * n);
        var many = RunGemm(a, w, m, n, k, true, 1f, k, k, n, bias, act, residual);
        var some = RunGemm(a, w, few, n, k, true, 1f, k, k, n, bias, act, residual);
        Assert.That(some, Is.EqualTo(many.AsSpan(0, few * n).ToArray()));
    }

    [TestCase(1)]
    [TestCase(3)]
    public void ResultsDoNotDependOnTheThreadCount(int threads)
    {
        var rng = new Random(11);
        int m = 301, n = 130, k = 700;
        var a = Random(rng, m * k); var b = Random(rng, k * n); var bias = Random(rng, n);
        var reference = RunGemm(a, b, m, n, k, false, 1f, k, n, n, bias, Activation.Relu, threads: 2);
        Assert.That(RunGemm(a, b, m, n, k, false, 1f, k, n, n, bias, Activation.Relu, threads: threads),
            Is.EqualTo(reference));
    }

    [Test]
    public void SpanGeluMatchesTheScalarDefinitionToOneUlp()
    {
        var values = new List<float>();
        for (double x = -16; x <= 8; x += 1.0 / 4096) values.Add((float)x);
        values.AddRange([0f, -0f, 1e-30f, -1e-30f, 1e-45f, float.MaxValue, -float.MaxValue, 40f, -40f]);
        var v = values.ToArray();
        var span = (float[])v.Clone();
        Activations.Apply(Activation.Gelu, span);
        int differ = 0;
        for (int i = 0; i < v.Length; i++)
        {
            float expected = Activations.Gelu(v[i]);
            if (span[i] == expected) continue;
            if (v[i] < -5f)
            {
                // The scalar form rounds 1 + erf(x/√2) in double, which loses the far negative tail's relative
                // digits.
                Assert.That(span[i], Is.EqualTo(expected).Within(1e-12), $"GELU({v[i]:R})");
                continue;
            }
            differ++;
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(span[i]) - BitConverter.SingleToInt32Bits(expected));
            Assert.That(ulps, Is.LessThanOrEqualTo(1), $"GELU({v[i]:R}) = {span[i]:R}, expected {expected:R}");
        }
        Assert.That(differ, Is.LessThan(v.Length / 10000), "values off by one ulp");
        var odd = new float[] { float.NaN, float.PositiveInfinity };
        Activations.Apply(Activation.Gelu, odd);
        Assert.That(float.IsNaN(odd[0]) && odd[1] == float.PositiveInfinity, $"GELU(NaN, +inf) = {odd[0]}, {odd[1]}");
    }
}
