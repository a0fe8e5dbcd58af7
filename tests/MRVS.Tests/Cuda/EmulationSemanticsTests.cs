using MRVS.Backends.Cuda.Devices;

namespace MRVS.Tests.Cuda;

/// <summary>
/// The CUDA semantics the emulation reproduces, through the test-only kernels of Cuda/kernels/emulation_semantics.cu:
/// built-in indices, warp shuffles (with widths) and votes, block barriers over static and dynamic shared memory
/// with threads that exit early, atomics under parallel blocks, and the math functions. Expected values are what
/// the CUDA programming guide defines.
/// </summary>
public class EmulationSemanticsTests
{
    private readonly Random _rng = new(314);

    [TestCase(3u, 2u, 2u, 4u, 3u, 2u)]
    [TestCase(5u, 1u, 1u, 33u, 1u, 1u)]
    public void BuiltInIndicesCoverTheGridOnce(uint gx, uint gy, uint gz, uint bx, uint by, uint bz)
    {
        using var device = TestDevices.TestKernels();
        int threads = (int)(gx * gy * gz * bx * by * bz);
        using var output = new DeviceArray<uint>(device, 4 * threads);
        device.LaunchAndWait("test_indices", new Dim3(gx, gy, gz), new Dim3(bx, by, bz), 0, a => a.Ptr(output.Ptr));
        var o = output.Download();
        static uint Pack(uint x, uint y, uint z) => x | y << 8 | z << 16;
        int i = 0;
        for (uint z = 0; z < gz; z++)
            for (uint y = 0; y < gy; y++)
                for (uint x = 0; x < gx; x++)
                    for (uint tz = 0; tz < bz; tz++)
                        for (uint ty = 0; ty < by; ty++)
                            for (uint tx = 0; tx < bx; tx++, i++)
                            {
                                var expected = new[] { Pack(x, y, z), Pack(tx, ty, tz), Pack(bx, by, bz),
                                    Pack(gx, gy, gz) };
                                Assert.That(o.AsSpan(4 * i, 4).ToArray(), Is.EqualTo(expected), $"thread {i}");
                            }
    }

    [Test]
    public void ShufflesExchangeValuesWithinWarpsAndSegments()
    {
        const int n = 64;
        using var device = TestDevices.TestKernels();
        var input = Enumerable.Range(0, n).Select(_ => _rng.Next(1 << 18)).ToArray();
        using var x = new DeviceArray<int>(device, input);
        using var output = new DeviceArray<int>(device, 10 * n);
        device.LaunchAndWait("test_shuffles", new Dim3(1), new Dim3(n), 0, a => a.Ptr(x.Ptr).Ptr(output.Ptr));
        var o = output.Download();
        for (int t = 0; t < n; t++)
        {
            int w = t / 32 * 32, l = t % 32, segment = l & ~7;
            int In(int lane) => input[w + lane];
            var expected = new[]
            {
                In((l * 7 + 3) % 32),
                In(l ^ 5),
                In(l + 3 < 32 ? l + 3 : l),
                In(l >= 3 ? l - 3 : l),
                In(segment + 1),
                In((l & 7) + 2 < 8 ? l + 2 : l),
                In((l & 7) >= 2 ? l - 2 : l),
                In((l ^ 12) < segment + 8 ? l ^ 12 : l), // xor may reach earlier segments only
                In(31 - l) + 31 - l,
                Enumerable.Range(0, 32).Sum(In),
            };
            var actual = Enumerable.Range(0, 10).Select(k => o[k * n + t]).ToArray();
            Assert.That(actual, Is.EqualTo(expected), $"thread {t}");
        }
    }

    [Test]
    public void VotesSeeEveryLaneOfTheirWarp()
    {
        const int n = 96;
        using var device = TestDevices.TestKernels();
        var predicate = Enumerable.Range(0, n).Select(t => t < 32 ? _rng.Next(2) * (1 + _rng.Next(5)) : t < 64 ? 1 : 0)
            .ToArray();
        using var p = new DeviceArray<int>(device, predicate);
        using var output = new DeviceArray<uint>(device, 4 * n);
        device.LaunchAndWait("test_votes", new Dim3(1), new Dim3(n), 0, a => a.Ptr(p.Ptr).Ptr(output.Ptr));
        var o = output.Download();
        for (int t = 0; t < n; t++)
        {
            int w = t / 32 * 32;
            uint ballot = 0;
            for (int l = 0; l < 32; l++) if (predicate[w + l] != 0) ballot |= 1u << l;
            var expected = new[] { ballot, ballot != 0 ? 1u : 0u, ballot == uint.MaxValue ? 1u : 0u,
                (uint)System.Numerics.BitOperations.PopCount(ballot) };
            Assert.That(new[] { o[t], o[n + t], o[2 * n + t], o[3 * n + t] }, Is.EqualTo(expected), $"thread {t}");
        }
    }

    [TestCase(200, 150, 9)]
    [TestCase(1024, 1024, 3)]
    [TestCase(33, 1, 4)]
    public void BarriersHoldBackTheWholeBlock(int n, int active, int rounds)
    {
        const int blocks = 5;
        using var device = TestDevices.TestKernels();
        using var output = new DeviceArray<int>(device, blocks * n);
        device.LaunchAndWait("test_barrier", new Dim3(blocks), new Dim3((uint)n), n * sizeof(int),
            a => a.Ptr(output.Ptr).Add(active).Add(rounds));
        var o = output.Download();
        for (int b = 0; b < blocks; b++)
        {
            var value = Enumerable.Range(0, active).Select(t => t + 1000 * b).ToArray();
            for (int r = 0; r < rounds; r++)
            {
                var before = value;
                value = Enumerable.Range(0, active).Select(t => before[(t + 7 * r + 1) % active]
                    - before[active - 1 - t] + r).ToArray();
            }
            var expected = value.Concat(Enumerable.Repeat(0, n - active)).ToArray();
            Assert.That(o.AsSpan(b * n, n).ToArray(), Is.EqualTo(expected), $"block {b}");
        }
    }

    [Test]
    public void AtomicsAreAtomicAcrossParallelBlocks()
    {
        const int n = 20000;
        using var device = TestDevices.TestKernels();
        var values = Enumerable.Range(0, n).Select(_ => _rng.Next(801)).ToArray();
        using var v = new DeviceArray<int>(device, values);
        using var floatSum = new DeviceArray<float>(device, [0f]);
        using var counters = new DeviceArray<int>(device, new int[4]);
        using var tickets = new DeviceArray<int>(device, n);
        device.LaunchAndWait("test_atomics", new Dim3(7), new Dim3(96), 0,
            a => a.Ptr(v.Ptr).Add(n).Ptr(floatSum.Ptr).Ptr(counters.Ptr).Ptr(tickets.Ptr));
        var c = counters.Download();
        Assert.That(floatSum.Download()[0], Is.EqualTo((float)values.Sum()),
            "float atomicAdd (every partial sum is an exact float)");
        Assert.That(c, Is.EqualTo(new[] { values.Sum(), values.Max(), n, n }),
            "int atomicAdd, atomicMax, atomicCAS loop, ticket count");
        Assert.That(tickets.Download().Order(), Is.EqualTo(Enumerable.Range(0, n)),
            "the old values atomicAdd returns are distinct");
    }

    [Test]
    public void MathFunctionsMatchFloat64()
    {
        const int n = 301;
        using var device = TestDevices.TestKernels();
        var xs = Enumerable.Range(0, n).Select(i => (float)(-3 + 6.0 * i / (n - 1) + 1e-3 * _rng.NextDouble()))
            .ToArray();
        using var x = new DeviceArray<float>(device, xs);
        using var output = new DeviceArray<float>(device, 12 * n);
        device.LaunchAndWait("test_math", Dim3.Blocks(n, 128), new Dim3(128), 0,
            a => a.Ptr(x.Ptr).Ptr(output.Ptr).Add(n));
        var o = output.Download();
        string[] names = ["expf", "logf", "sqrtf", "rsqrtf", "erff", "tanhf", "fmaxf", "fminf", "floorf", "__expf",
            "fmaf", "__fdividef"];
        for (int i = 0; i < n; i++)
        {
            double v = xs[i], a = Math.Abs(v);
            double[] expected = [Math.Exp(v), Math.Log(a + 0.5), Math.Sqrt(a), 1 / Math.Sqrt(a + 0.1), Erf(v),
                Math.Tanh(v), Math.Max(v, 0.25),
                Math.Min(v, 0.25), Math.Floor(v), Math.Exp(v), v * 3 + 0.5, v / 3];
            for (int k = 0; k < expected.Length; k++)
                Assert.That(o[k * n + i], Is.EqualTo(expected[k]).Within(2e-6 * Math.Max(1, Math.Abs(expected[k]))),
                    $"{names[k]}({v})");
        }
    }

    /// <summary>erf by its Taylor series, accurate to ~1e-12 for |x| ≤ 3 (.NET has no erf).</summary>
    private static double Erf(double x)
    {
        double term = x, sum = x;
        for (int k = 1; k < 80; k++)
        {
            term *= -x * x / k;
            sum += term / (2 * k + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
