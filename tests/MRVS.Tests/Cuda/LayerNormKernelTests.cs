using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Tensors;

namespace MRVS.Tests.Cuda;

/// <summary>
/// kernels/layer_norm.cu launched directly, on the emulation and on a GPU when there is one, against a float64
/// reference: fresh random rows of awkward widths, with and without the fused residual, from one thread to the whole
/// 128-thread block per row (kernels/include/mrvs_rows.h; the backend picks the group by the row length), scalar and
/// 128-bit loads; rows longer than the group's registers are swept from memory. Each launch also stores the 16-bit copy
/// (fp16 or bf16, in turn) the backend keeps beside a float32 value that GEMMs and other kernels both read: exactly the
/// float32 result rounded once, as cast_narrow would round it.
/// </summary>
public class LayerNormKernelTests
{
    private static readonly Random Rng = new(7031);

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var device in new[] { "cuda-emu", "cuda" })
            foreach (var (rows, n) in new[] { (1, 1), (1, 7), (300, 8), (4, 33), (3, 128), (3, 129), (2, 1000) })
                foreach (var residual in new[] { false, true })
                    foreach (var group in new[] { 1, 4, 32, 64, 128 })
                        foreach (var vector4 in n % 4 == 0 ? new[] { false, true } : [false])
                            yield return new TestCaseData(device, rows, n, residual, group, vector4).SetName(
                                $"layer_norm on {device}: {rows}x{n}{(residual ? " + residual" : "")}, {group} threads"
                                + $" per row{(vector4 ? ", float4" : "")}");
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesTheFloat64Reference(string kind, int rows, int n, bool residual, int group, bool vector4)
    {
        using var device = TestDevices.Create(kind);
        const float eps = 1e-5f;
        float scale = (float)(0.1 + 4 * Rng.NextDouble()), offset = (float)(Rng.NextDouble() * 6 - 3);
        var x = Random(rows * n, scale, offset);
        var r = residual ? Random(rows * n, scale, 0) : null;
        var gamma = Random(n, 1, 1);
        var beta = Random(n, 0.5f, 0);
        using var dx = new DeviceArray<float>(device, x);
        using var dr = new DeviceArray<float>(device, r ?? []);
        using var dg = new DeviceArray<float>(device, gamma);
        using var db = new DeviceArray<float>(device, beta);
        using var dy = new DeviceArray<float>(device, rows * n);
        using var copy = new DeviceArray<ushort>(device, rows * n);
        var copyType = residual ? DType.BF16 : DType.F16;
        device.LaunchAndWait("layer_norm", Dim3.Blocks(rows, (uint)(128 / group)), new Dim3(128), 0,
            a => a.Ptr(dx.Ptr).Ptr(residual ? dr.Ptr : 0).Ptr(dg.Ptr).Ptr(db.Ptr).Ptr(dy.Ptr).Add(0).Ptr(copy.Ptr)
                .Add(residual ? 2 : 1).Add((long)rows).Add(n).Add(group).Add(vector4 ? 1 : 0).Add(eps));
        var y = dy.Download();
        var copied = copy.Download();
        for (int i = 0; i < y.Length; i++)
            Assert.That(copied[i], Is.EqualTo(ReducedPrecision.Narrow(y[i], copyType)),
                $"{copyType} copy, element {i}");

        var expected = Reference(x, r, gamma, beta, rows, n, eps);
        double tolerance = 1e-5 * Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < y.Length; i++)
            Assert.That(y[i], Is.EqualTo(expected[i]).Within(tolerance), $"row {i / n}, column {i % n}");
    }

    /// <summary>y = (v − mean) / sqrt(var + eps) · gamma + beta with v = x (+ r), biased variance, in
    /// float64.</summary>
    private static double[] Reference(float[] x, float[]? r, float[] gamma, float[] beta, int rows, int n, float eps)
    {
        var y = new double[rows * n];
        for (int row = 0; row < rows; row++)
        {
            var v = Enumerable.Range(0, n).Select(j => (double)x[row * n + j] + (r is null ? 0 : r[row * n + j]))
                .ToArray();
            double mean = v.Average(), variance = v.Select(e => (e - mean) * (e - mean)).Average();
            double inv = 1 / Math.Sqrt(variance + eps);
            for (int j = 0; j < n; j++) y[row * n + j] = (v[j] - mean) * inv * gamma[j] + beta[j];
        }
        return y;
    }

    private static float[] Random(int count, float scale, float offset) =>
        Enumerable.Range(0, count).Select(_ => (float)(offset + scale * (Rng.NextDouble() * 2 - 1))).ToArray();
}
