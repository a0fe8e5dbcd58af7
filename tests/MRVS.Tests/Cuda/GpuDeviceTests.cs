using System.Runtime.InteropServices;
using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Tensors;

namespace MRVS.Tests.Cuda;

/// <summary>
/// The <see cref="IGpuDevice"/> contract on the emulation and on a GPU when there is one: fills and device copies,
/// GEMMs in every supported type combination and with each epilogue against float64, launch checks, timing and graph
/// capture/replay.
/// </summary>
[TestFixture("cuda-emu")]
[TestFixture("cuda")]
public class GpuDeviceTests(string kind)
{
    private readonly Random _rng = new(99);

    [Test]
    public void FillsAndCopiesBytesOnTheDevice()
    {
        using var device = TestDevices.Create(kind);
        using var a = new DeviceArray<byte>(device, 1000);
        using var b = new DeviceArray<byte>(device, 1000);
        device.Fill(a.Ptr, 0xab, 1000);
        device.Fill(b.Ptr, 0, 1000);
        device.Fill(a.Ptr + 10, 7, 5);
        device.CopyOnDevice(a.Ptr + 8, b.Ptr + 100, 9);
        var expectedA = Enumerable.Repeat((byte)0xab, 1000).ToArray();
        for (int i = 10; i < 15; i++) expectedA[i] = 7;
        var expectedB = new byte[1000];
        Array.Copy(expectedA, 8, expectedB, 100, 9);
        Assert.That(a.Download(), Is.EqualTo(expectedA));
        Assert.That(b.Download(), Is.EqualTo(expectedB));
    }

    [TestCase(DType.F32, DType.F32, 1, false)]
    [TestCase(DType.F32, DType.F32, 3, true)]
    [TestCase(DType.F16, DType.F32, 1, true)]
    [TestCase(DType.F16, DType.F16, 2, false)]
    [TestCase(DType.BF16, DType.F32, 3, false)]
    [TestCase(DType.BF16, DType.BF16, 1, true)]
    public void GemmMatchesFloat64(DType inputs, DType output, int batch, bool transposeB)
    {
        using var device = TestDevices.Create(kind);
        const int m = 5, n = 19, k = 37;
        const float alpha = 0.75f;
        // B shared across the batch (stride 0) when batched, to cover broadcast weights.
        var a = RandomValues(batch * m * k, inputs);
        var b = RandomValues(k * n, inputs);
        using var da = Upload(device, a, inputs);
        using var db = Upload(device, b, inputs);
        using var dc = new DeviceArray<byte>(device, batch * m * n * output.Size());
        device.Gemm(da.Ptr, db.Ptr, dc.Ptr, m, n, k, transposeB, alpha, batch, m * k, 0, m * n, inputs, output);
        var c = Values(dc.Download(), output);

        double roundoff = output == DType.F32 ? 1e-5 : output == DType.F16 ? 1e-3 : 8e-3;
        for (int i = 0; i < batch; i++)
            for (int row = 0; row < m; row++)
                for (int col = 0; col < n; col++)
                {
                    var (sum, magnitude) = Product(a, b, i, row, col, m, n, k, transposeB);
                    Assert.That(c[i * m * n + row * n + col],
                        Is.EqualTo(alpha * sum).Within(roundoff * alpha * magnitude + 1e-6), $"C[{i}, {row}, {col}]");
                }
    }

    /// <summary>
    /// The GEMM's epilogue (cuBLASLt on a GPU) in each form the Linears use (bias, bias + ReLU, bias + residual,
    /// residual, ReLU alone) and all three, over float32 and 16-bit operands, batched with a shared B and bias, and in
    /// place (the residual is C): relu?((alpha · A · op(B) + residual) + bias) against float64.
    /// </summary>
    [TestCase(DType.F32, 1, true, true, false, false, false)]
    [TestCase(DType.F32, 1, true, true, false, true, false)]
    [TestCase(DType.F32, 1, true, true, true, false, false)]
    [TestCase(DType.F32, 1, false, false, true, false, false)]
    [TestCase(DType.F32, 1, true, false, false, true, false)]
    [TestCase(DType.F32, 3, false, true, true, true, false)]
    [TestCase(DType.F32, 2, true, true, true, false, true)]
    [TestCase(DType.F16, 1, true, true, true, false, false)]
    [TestCase(DType.BF16, 3, true, true, false, true, false)]
    [TestCase(DType.BF16, 1, false, true, true, true, true)]
    public void GemmEpilogueMatchesFloat64(DType inputs, int batch, bool transposeB, bool bias, bool residual,
        bool relu, bool inPlace)
    {
        using var device = TestDevices.Create(kind);
        const int m = 6, n = 21, k = 35;
        const float alpha = 0.75f;
        var a = RandomValues(batch * m * k, inputs);
        var b = RandomValues(k * n, inputs);
        var biasValues = RandomValues(n, DType.F32);
        var residualValues = RandomValues(batch * m * n, DType.F32);
        using var da = Upload(device, a, inputs);
        using var db = Upload(device, b, inputs);
        using var dBias = Upload(device, biasValues, DType.F32);
        using var dResidual = Upload(device, residualValues, DType.F32);
        using var dc = inPlace ? Upload(device, residualValues, DType.F32)
            : new DeviceArray<byte>(device, batch * m * n * sizeof(float));
        var epilogue = new GemmEpilogue(bias ? dBias.Ptr : 0, residual ? (inPlace ? dc.Ptr : dResidual.Ptr) : 0, relu);
        device.Gemm(da.Ptr, db.Ptr, dc.Ptr, m, n, k, transposeB, alpha, batch, m * k, 0, m * n, inputs, DType.F32,
            epilogue);
        var c = Values(dc.Download(), DType.F32);

        for (int i = 0; i < batch; i++)
            for (int row = 0; row < m; row++)
                for (int col = 0; col < n; col++)
                {
                    int at = i * m * n + row * n + col;
                    var (sum, magnitude) = Product(a, b, i, row, col, m, n, k, transposeB);
                    double expected = alpha * sum + (residual ? residualValues[at] : 0) + (bias ? biasValues[col] : 0);
                    Assert.That(c[at], Is.EqualTo(relu ? Math.Max(expected, 0) : expected)
                        .Within(1e-5 * (magnitude + 2) + 1e-6), $"C[{i}, {row}, {col}] ({epilogue})");
                }
    }

    /// <summary>
    /// The epilogue adds the residual before the bias, as cuBLASLt's D = alpha · A · B + beta · C + bias reads: with
    /// A · B = 1, a residual of 2^24 and a bias of -2^24, 1 + 2^24 rounds to 2^24 and the result is 0 (the bias first
    /// would give 1). The emulation must round as the GPU does; on a GPU this confirms cuBLASLt's order.
    /// </summary>
    [Test]
    public void GemmEpilogueAddsTheResidualBeforeTheBias()
    {
        using var device = TestDevices.Create(kind);
        using var one = new DeviceArray<float>(device, [1f]);
        using var bias = new DeviceArray<float>(device, [-16777216f]);
        using var residual = new DeviceArray<float>(device, [16777216f]);
        using var c = new DeviceArray<float>(device, 1);
        device.Gemm(one.Ptr, one.Ptr, c.Ptr, 1, 1, 1, false, 1f, 1, 0, 0, 0,
            epilogue: new GemmEpilogue(bias.Ptr, residual.Ptr));
        Assert.That(c.Download(), Is.EqualTo(new[] { 0f }));
    }

    /// <summary>
    /// Into a 16-bit C the epilogue takes bias and ReLU, the bias in C's type (what the Linears whose result only GEMMs
    /// read use): C = round(relu?(alpha · A · op(B) + bias)) against float64, batched with a bias per entry.
    /// </summary>
    [TestCase(DType.F16, 1, true, false)]
    [TestCase(DType.BF16, 1, false, true)]
    [TestCase(DType.BF16, 2, true, true)]
    public void GemmEpilogueInto16BitsTakesItsBiasInThatType(DType type, int batch, bool transposeB, bool relu)
    {
        using var device = TestDevices.Create(kind);
        const int m = 7, n = 20, k = 33;
        const float alpha = 0.5f;
        var a = RandomValues(batch * m * k, type);
        var b = RandomValues(k * n, type);
        var biasValues = RandomValues(batch * n, type);
        using var da = Upload(device, a, type);
        using var db = Upload(device, b, type);
        using var dBias = Upload(device, biasValues, type);
        using var dc = new DeviceArray<byte>(device, batch * m * n * type.Size());
        device.Gemm(da.Ptr, db.Ptr, dc.Ptr, m, n, k, transposeB, alpha, batch, m * k, 0, m * n, type, type,
            new GemmEpilogue(dBias.Ptr, Relu: relu, BiasStride: batch > 1 ? n : 0));
        var c = Values(dc.Download(), type);

        double roundoff = type == DType.F16 ? 1e-3 : 8e-3;
        for (int i = 0; i < batch; i++)
            for (int row = 0; row < m; row++)
                for (int col = 0; col < n; col++)
                {
                    var (sum, magnitude) = Product(a, b, i, row, col, m, n, k, transposeB);
                    double expected = alpha * sum + biasValues[i * n + col];
                    Assert.That(c[i * m * n + row * n + col], Is.EqualTo(relu ? Math.Max(expected, 0) : expected)
                        .Within(roundoff * (alpha * magnitude + Math.Abs(expected)) + 1e-6), $"C[{i}, {row}, {col}]");
                }
    }

    [Test]
    public void GemmEpilogueResidualNeedsAFloat32Result()
    {
        using var device = TestDevices.Create(kind);
        var e = Assert.Throws<NotSupportedException>(() => device.Gemm(0, 0, 0, 1, 1, 1, false, 1, 1, 0, 0, 0,
            DType.F16, DType.F16, new GemmEpilogue(Residual: 64, Relu: true)))!;
        Assert.That(e.Message, Does.Contain("F16").And.Contain("residual"));
    }

    [Test]
    public void GemmRejectsUnsupportedTypes()
    {
        using var device = TestDevices.Create(kind);
        var e = Assert.Throws<NotSupportedException>(() => device.Gemm(0, 0, 0, 1, 1, 1, false, 1, 1, 0, 0, 0,
            DType.F16, DType.BF16))!;
        Assert.That(e.Message, Does.Contain("F16").And.Contain("BF16"));
    }

    [Test]
    public void LaunchesOutsideCudaLimitsAreRefusedWithTheKernelName()
    {
        using var device = TestDevices.Create(kind);
        using var args = new KernelArgs();
        var e = Assert.Throws<ArgumentException>(() => device.Launch("layer_norm", new Dim3(1), new Dim3(1025), 0,
            args))!;
        Assert.That(e.Message, Does.Contain("layer_norm").And.Contain("1024 threads"));
        e = Assert.Throws<ArgumentException>(() => device.Launch("softmax", new Dim3(0), new Dim3(32), 0, args))!;
        Assert.That(e.Message, Does.Contain("softmax").And.Contain("empty grid"));
    }

    [Test]
    public void LaunchesWhoseArgumentsDoNotMatchTheKernelAreRefused()
    {
        using var device = TestDevices.Create(kind);
        using var y = new DeviceArray<float>(device, [1, 2, 3]);
        using var args = new KernelArgs();
        args.Ptr(y.Ptr).Ptr(y.Ptr).Add(1L).Add(3L).Add(1).Add(0); // softmax takes int n
        var e = Assert.Throws<ArgumentException>(() => device.Launch("softmax", new Dim3(1), new Dim3(128), 0, args))!;
        Assert.That(e.Message, Does.Contain("softmax").And.Contain("int n"));
        Assert.That(y.Download(), Is.EqualTo(new float[] { 1, 2, 3 }), "nothing ran");
    }

    [Test]
    public void CapturedWorkRunsOnlyWhenReplayedAndReadsCurrentMemory()
    {
        using var device = TestDevices.Create(kind);
        const int n = 6;
        using var x = new DeviceArray<float>(device, [1, 2, 3, 4, 5, 6]);
        using var g = new DeviceArray<float>(device, Enumerable.Repeat(1f, n).ToArray());
        using var b = new DeviceArray<float>(device, new float[n]);
        using var y = new DeviceArray<float>(device, n);
        device.Fill(y.Ptr, 0, n * sizeof(float));
        void Normalize()
        {
            using var args = new KernelArgs();
            args.Ptr(x.Ptr).Ptr(0).Ptr(g.Ptr).Ptr(b.Ptr).Ptr(y.Ptr).Add(0).Ptr(0).Add(0).Add(1L).Add(n).Add(1)
                .Add(0).Add(0f); // 1 row, 1 thread, no copy
            device.Launch("layer_norm", new Dim3(1), new Dim3(128), 0, args);
        }
        Normalize(); // warm-up: loads the kernel outside the capture
        device.Synchronize();
        device.Fill(y.Ptr, 0, n * sizeof(float));

        using var graph = device.Capture(Normalize);
        Assert.That(y.Download(), Is.All.EqualTo(0f), "capturing must not run the work");
        graph.Replay();
        var first = y.Download();
        device.CopyToDevice(MemoryMarshal.AsBytes<float>([6, 5, 4, 3, 2, 1]), x.Ptr);
        graph.Replay();
        var second = y.Download();
        Assert.That(first[0], Is.LessThan(0f).And.EqualTo(-second[0]).Within(1e-6),
            "each replay normalises the input's current values");
        Assert.That(second.Reverse(), Is.EqualTo(first).Within(1e-6));
    }

    /// <summary>
    /// <see cref="IGpuDevice.Time"/> brackets the queued work and waits for it: a kernel over many elements measures
    /// longer than the same kernel over one, within the host's wall time of the call, and its result is complete.
    /// </summary>
    [Test]
    public void TimingCoversTheTimedWorkAndWaitsForIt()
    {
        using var device = TestDevices.Create(kind);
        int n = kind == "cuda" ? 1 << 26 : 1 << 20; // about a millisecond on a GPU, tens of milliseconds emulated
        using var x = new DeviceArray<float>(device, n);
        using var y = new DeviceArray<float>(device, n);
        device.Fill(x.Ptr, 0, (long)n * sizeof(float));
        void Affine(int count) // unary kind 5, y = 1·x + 2, queued without waiting
        {
            using var args = new KernelArgs();
            args.Ptr(x.Ptr).Ptr(y.Ptr).Add((long)count).Add(5).Add(1f).Add(2f);
            device.Launch("unary", Dim3.Blocks(count, 256), new Dim3(256), 0, args);
        }
        Affine(1); // loads the kernel outside the timings

        double one = device.Time(() => Affine(1));
        var host = System.Diagnostics.Stopwatch.StartNew();
        double many = device.Time(() => Affine(n));
        host.Stop();

        Assert.That(many, Is.GreaterThan(2 * one), $"{n} elements took {many} ms, one element {one} ms");
        Assert.That(many, Is.LessThanOrEqualTo(host.Elapsed.TotalMilliseconds), "the device time lies within the call");
        Assert.That(y.Download(), Is.All.EqualTo(2f));
    }

    /// <summary>Row <paramref name="row"/> of A[i] times column <paramref name="col"/> of op(B) in float64, and the sum
    /// of the products' magnitudes (what the rounding error scales with).</summary>
    private static (double Sum, double Magnitude) Product(double[] a, double[] b, int i, int row, int col, int m, int n,
        int k, bool transposeB)
    {
        double sum = 0, magnitude = 0;
        for (int j = 0; j < k; j++)
        {
            double product = a[i * m * k + row * k + j] * b[transposeB ? col * k + j : j * n + col];
            sum += product;
            magnitude += Math.Abs(product);
        }
        return (sum, magnitude);
    }

    private double[] RandomValues(int count, DType type) =>
        Enumerable.Range(0, count).Select(_ => Round((float)(_rng.NextDouble() * 2 - 1), type)).ToArray();

    private static double Round(float value, DType type) => type == DType.F32 ? value
        : ReducedPrecision.Widen(ReducedPrecision.Narrow(value, type), type);

    private static DeviceArray<byte> Upload(IGpuDevice device, double[] values, DType type)
    {
        byte[] bytes = type == DType.F32
            ? MemoryMarshal.AsBytes(values.Select(v => (float)v).ToArray().AsSpan()).ToArray()
            : MemoryMarshal.AsBytes(values.Select(v => ReducedPrecision.Narrow((float)v, type)).ToArray().AsSpan())
                .ToArray();
        return new DeviceArray<byte>(device, bytes);
    }

    private static double[] Values(byte[] bytes, DType type) => type == DType.F32
        ? MemoryMarshal.Cast<byte, float>(bytes).ToArray().Select(v => (double)v).ToArray()
        : MemoryMarshal.Cast<byte, ushort>(bytes).ToArray().Select(v => (double)ReducedPrecision.Widen(v, type))
            .ToArray();
}
