using MRVS.Backends.Cpu;
using MRVS.Backends.Cpu.Ops;
using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Devices;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Tests.Support;

namespace MRVS.Tests.Cuda;

/// <summary>
/// fp16 / bf16 mode (emulated): a value only GEMMs read is stored by its producer in the GEMMs' 16-bit type (the
/// LayerNorms, the feed-forward's hidden), with exactly the numbers of cast_narrow before each GEMM, and without its
/// launches; what anything else reads, or a caller asked for, stays float32, and a LayerNorm's output that GEMMs read
/// too also gets a 16-bit copy for them, stored by the LayerNorm in the same pass.
/// </summary>
public class NarrowedActivationsTests
{
    private static readonly Random Rng = new(616);

    /// <summary>
    /// x → LayerNorm → the q Linear and a GELU feed-forward (fc1, GELU, fc2), q → attention → out Linear; a volume →
    /// LayerNorm → Swin window partition → the qkv Linear → window attention → proj Linear. Fused, the norms, the
    /// attentions' outputs and the hidden are the GEMMs' operands only.
    /// </summary>
    private static (ComputeGraph Graph, Dictionary<string, Tensor> Feeds) Block()
    {
        const int c = 32, hidden = 128;
        Tensor R(params int[] shape) => OpRunner.Random(Rng, shape);
        var g = new ComputeGraph();
        var feeds = new Dictionary<string, Tensor> { ["x"] = R(1, 37, c), ["volume"] = R(2, 9, 10, c) };
        var x = g.Input("x", DType.F32, 1, 37, c);
        var ln = g.Add(new LayerNormOp(1e-5f), "ln", x, g.Constant("ln.gamma", R(c)), g.Constant("ln.beta", R(c)));
        g.Tap("ln", ln);
        var q = g.Add(new LinearOp(), "q", ln, g.Constant("q.w", R(c, c)), g.Constant("q.b", R(c)));
        g.Tap("q", q);
        var attention = g.Add(new AttentionOp(4), "attention", q, q, q);
        g.Tap("attention", attention);
        g.Tap("out", g.Add(new LinearOp(), "out", attention, g.Constant("out.w", R(c, c))));
        var fc1 = g.Add(new LinearOp(), "fc1", ln, g.Constant("fc1.w", R(hidden, c)), g.Constant("fc1.b", R(hidden)));
        var gelu = g.Add(new UnaryOp(UnaryKind.Gelu), "gelu", fc1);
        g.Tap("ffn", g.Add(new LinearOp(), "fc2", gelu, g.Constant("fc2.w", R(c, hidden)), g.Constant("fc2.b", R(c))));
        var volume = g.Input("volume", DType.F32, 2, 9, 10, c);
        var norm1 = g.Add(new LayerNormOp(1e-5f), "norm1", volume, g.Constant("norm1.gamma", R(c)),
            g.Constant("norm1.beta", R(c)));
        g.Tap("norm1", norm1);
        var windows = g.Add(new SwinWindowPartitionOp(new SwinWindow([2, 7, 7], [1, 3, 3])), "partition", norm1);
        var qkv = g.Add(new LinearOp(), "qkv", windows, g.Constant("qkv.w", R(3 * c, c)),
            g.Constant("qkv.b", R(3 * c)));
        g.Tap("qkv", qkv);
        var windowAttention = new WindowAttentionOp(4, masked: false, [2, 7, 7]);
        var attended = g.Add(windowAttention, "window_attention", qkv,
            g.Constant("table", R(4, windowAttention.TableRows)));
        g.Tap("window_attention", attended);
        g.Tap("proj", g.Add(new LinearOp(), "proj", attended, g.Constant("proj.w", R(c, c))));
        return (g, feeds);
    }

    private static readonly string[] Gemms = ["q", "out", "ffn", "qkv", "proj"],
        Narrowed = ["ln", "attention", "norm1", "window_attention"];

    [TestCase(Precision.Fp16)]
    [TestCase(Precision.Bf16)]
    public void ProducersRoundTheGemmOperandOnceAsCastNarrowWould(Precision precision)
    {
        var (graph, feeds) = Block();
        var device = new CountingDevice(TestDevices.Create("cuda-emu"));
        using var backend = new CudaBackend(device, precision, graphs: false);
        // Fused, only the GEMMs' results requested: the norms and the hidden are stored in 16 bits by their producers.
        using var narrowed = new Executor(graph, backend, Gemms);
        var stored = backend.StoredTypes(narrowed.Plan.Schedule, narrowed.Plan.Schedule
            .Where(n => Gemms.Contains(n.Name)).Select(n => n.Output).ToHashSet());
        Assert.That(stored.Keys.Select(v => v.Producer!.Op.Kind),
            Is.EquivalentTo(new[] { "layer_norm", "attention", "swin_window_layer_norm", "window_attention" }));
        Assert.That(stored.Values, Is.All.EqualTo(precision == Precision.Fp16 ? DType.F16 : DType.BF16));
        narrowed.Run(feeds); // the weights' 16-bit copies are made on first use
        device.Launches.Clear();
        var actual = narrowed.Run(feeds).Outputs;
        Assert.That(device.Launches.Select(l => l.Kernel), Has.None.EqualTo("cast_narrow"));

        // Unfused, the norms requested too: they stay float32; ln, read by q and fc1, gets its 16-bit copy from the
        // LayerNorm (NarrowedActivations.Copies), every other GEMM operand is cast by cast_narrow from float32.
        using var cast = new Executor(graph, backend, [.. Gemms, .. Narrowed], passes: GraphPasses.None);
        device.Launches.Clear();
        var expected = cast.Run(feeds).Outputs;
        Assert.That(device.Launches.Count(l => l.Kernel == "cast_narrow"), Is.EqualTo(4));
        // ffn's GELU hidden is rounded as PyTorch's autocast rounds it, not once (AGeluFeedForward…).
        foreach (var name in Gemms.Except(["ffn"])) TensorAssert.Equal(actual[name], expected[name], name);
        // The norms read the graph's inputs: requested, they are the float32 CPU values.
        using var reference = new Executor(graph, new CpuBackend(), ["ln", "norm1"]);
        var exact = reference.Run(feeds).Outputs;
        foreach (var name in new[] { "ln", "norm1" })
            TensorAssert.Close(expected[name], exact[name], $"{name}, requested, stays float32");
    }

    /// <summary>
    /// Post-norms fused into their Linear and feed-forward (LN(x + Linear(x)), LN(x + FFN(x))) whose outputs only GEMMs
    /// read: the LayerNorm epilogue stores them in 16 bits, the same bits as float32 and cast_narrow (the norms
    /// requested), without those two casts.
    /// </summary>
    [TestCase(Precision.Fp16)]
    [TestCase(Precision.Bf16)]
    public void PostNormEpiloguesStoreTheGemmOperandNarrowed(Precision precision)
    {
        const int c = 32;
        Tensor R(params int[] shape) => OpRunner.Random(Rng, shape);
        Value C(ComputeGraph graph, string name, params int[] shape) => graph.Constant(name, R(shape));
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 1, 20, c);
        var dense = g.Add(new LinearOp(), "dense", x, C(g, "dense.w", c, c), C(g, "dense.b", c));
        var norm1 = g.Add(new LayerNormOp(1e-5f, residual: true), "norm1", dense, x, C(g, "g1", c), C(g, "b1", c));
        g.Tap("norm1", norm1);
        g.Tap("out1", g.Add(new LinearOp(), "out1", norm1, C(g, "out1.w", 16, c)));
        var fc1 = g.Add(new LinearOp(Activation.Relu), "fc1", x, C(g, "fc1.w", 64, c), C(g, "fc1.b", 64));
        var fc2 = g.Add(new LinearOp(), "fc2", fc1, C(g, "fc2.w", c, 64), C(g, "fc2.b", c));
        var norm2 = g.Add(new LayerNormOp(1e-5f, residual: true), "norm2", fc2, x, C(g, "g2", c), C(g, "b2", c));
        g.Tap("norm2", norm2);
        g.Tap("out2", g.Add(new LinearOp(), "out2", norm2, C(g, "out2.w", 16, c)));
        var feeds = new Dictionary<string, Tensor> { ["x"] = R(1, 20, c) };

        var device = new CountingDevice(TestDevices.Create("cuda-emu"));
        using var backend = new CudaBackend(device, precision, graphs: false);
        using var narrowed = new Executor(g, backend, ["out1", "out2"]);
        var stored = backend.StoredTypes(narrowed.Plan.Schedule, narrowed.Plan.Schedule
            .Where(n => n.Name is "out1" or "out2").Select(n => n.Output).ToHashSet());
        Assert.That(stored.Keys.Select(v => v.Producer!.Op.Describe()),
            Is.EquivalentTo(new[] { "linear+residual+layer_norm", "feed_forward+Relu+residual+layer_norm" }));
        narrowed.Run(feeds);
        device.Launches.Clear();
        var actual = narrowed.Run(feeds).Outputs;
        // The input x is cast for the dense and fc1 GEMMs; the ReLU hidden is stored in 16 bits by fc1's GEMM itself.
        int casts = device.Launches.Count(l => l.Kernel == "cast_narrow");
        Assert.That(casts, Is.EqualTo(2));

        using var cast = new Executor(g, backend, ["out1", "out2", "norm1", "norm2"]);
        device.Launches.Clear();
        var expected = cast.Run(feeds).Outputs;
        // The norms requested stay float32; their LayerNorm stores the GEMMs' 16-bit copies beside them: no more casts.
        Assert.That(device.Launches.Count(l => l.Kernel == "cast_narrow"), Is.EqualTo(casts));
        foreach (var name in new[] { "out1", "out2" }) TensorAssert.Equal(actual[name], expected[name], name);
    }

    /// <summary>
    /// A GELU feed-forward in 16-bit mode computes its hidden as PyTorch's autocast does: the first GEMM stores x·W1ᵀ +
    /// b1 in 16 bits (b1 rounded too), GELU applies to those values and rounds again; not GELU of the float32 product
    /// rounded once. The result is checked against both recipes computed here (double sums, so a rare tie may round
    /// apart): it must be an order of magnitude closer to autocast's.
    /// </summary>
    [TestCase(Precision.Fp16)]
    [TestCase(Precision.Bf16)]
    public void AGeluFeedForwardAppliesGeluToItsFirstGemmsRoundedResult(Precision precision)
    {
        const int rows = 37, c = 32, hidden = 128;
        var t = new[] { OpRunner.Random(Rng, rows, c), OpRunner.Random(Rng, hidden, c), OpRunner.Random(Rng, hidden),
            OpRunner.Random(Rng, c, hidden), OpRunner.Random(Rng, c) };
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, rows, c);
        var fc1 = g.Add(new LinearOp(), "fc1", x, g.Constant("fc1.w", t[1]), g.Constant("fc1.b", t[2]));
        var gelu = g.Add(new UnaryOp(UnaryKind.Gelu), "gelu", fc1);
        g.Tap("ffn", g.Add(new LinearOp(), "fc2", gelu, g.Constant("fc2.w", t[3]), g.Constant("fc2.b", t[4])));
        var device = new CountingDevice(TestDevices.Create("cuda-emu"));
        using var backend = new CudaBackend(device, precision, graphs: false);
        using var executor = new Executor(g, backend, ["ffn"]);
        var actual = executor.Run(new Dictionary<string, Tensor> { ["x"] = t[0] }).Outputs["ffn"].ToDoubleArray();
        Assert.That(executor.Plan.Schedule.Select(n => n.Op.Kind), Does.Contain("feed_forward"));

        var type = precision == Precision.Fp16 ? DType.F16 : DType.BF16;
        float Round(double v) => ReducedPrecision.Widen(ReducedPrecision.Narrow((float)v, type), type);
        var (xs, w1, b1, w2, b2) = (t[0].ToDoubleArray(), t[1].ToDoubleArray(), t[2].ToDoubleArray(),
            t[3].ToDoubleArray(), t[4].ToDoubleArray());
        double[] Ffn(bool autocast)
        {
            var y = new double[rows * c];
            for (int r = 0; r < rows; r++)
            {
                var h = new double[hidden];
                for (int j = 0; j < hidden; j++)
                {
                    double sum = 0;
                    for (int i = 0; i < c; i++) sum += Round(xs[r * c + i]) * Round(w1[j * c + i]);
                    h[j] = autocast ? Round(Activations.Gelu(Round(sum + Round(b1[j]))))
                        : Round(Activations.Gelu((float)(sum + b1[j])));
                }
                for (int o = 0; o < c; o++)
                {
                    double sum = b2[o];
                    for (int j = 0; j < hidden; j++) sum += h[j] * Round(w2[o * hidden + j]);
                    y[r * c + o] = sum;
                }
            }
            return y;
        }
        double Distance(double[] expected) => actual.Zip(expected, (a, e) => Math.Abs(a - e)).Sum();
        double toAutocast = Distance(Ffn(autocast: true)), toRoundedOnce = Distance(Ffn(autocast: false));
        Assert.That(toRoundedOnce, Is.GreaterThan(0), "the two recipes differ on these values");
        Assert.That(toAutocast, Is.LessThan(toRoundedOnce / 10),
            $"summed distance to autocast's recipe {toAutocast:G3}, to one rounding {toRoundedOnce:G3}");
    }

    [Test]
    public void AValueAnythingButAGemmOperandReadsStaysFloat32()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 5, 8);
        var gamma = g.Constant("gamma", OpRunner.Random(Rng, 8));
        var beta = g.Constant("beta", OpRunner.Random(Rng, 8));
        var w = g.Constant("w", OpRunner.Random(Rng, 8, 8));
        var onlyGemm = g.Add(new LayerNormOp(1e-5f), "only_gemm", x, gamma, beta);
        var alsoAdded = g.Add(new LayerNormOp(1e-5f), "also_added", x, gamma, beta);
        var asWeight = g.Add(new LayerNormOp(1e-5f), "as_weight", x, gamma, beta);
        var a = g.Add(new LinearOp(), "a", onlyGemm, w);
        var b = g.Add(new LinearOp(), "b", alsoAdded, w);
        var sum = g.Add(new BinaryOp(BinaryKind.Add), "sum", b, alsoAdded);
        var c = g.Add(new MatMulOp(transposeB: true), "c", x, asWeight);
        g.Tap("a", a);
        g.Tap("sum", sum);
        g.Tap("c", c);
        using var backend = new CudaBackend(TestDevices.Create("cuda-emu"), Precision.Bf16);
        using var ex = new Executor(g, backend, ["a", "sum", "c"], passes: GraphPasses.None);
        var outputs = ex.Plan.Schedule.Where(n => n.Name is "a" or "sum" or "c").Select(n => n.Output).ToHashSet();
        var stored = backend.StoredTypes(ex.Plan.Schedule, outputs);
        Assert.That(stored.Keys.Select(v => v.Name), Is.EquivalentTo(new[] { "only_gemm" }));
        // Read by a GEMM and by the sum: float32 with a 16-bit copy for the GEMM. A MatMul's B is cast: no copy.
        var copies = backend.StoredCopies(ex.Plan.Schedule, outputs);
        Assert.That(copies.Types.Keys.Select(v => v.Name), Is.EquivalentTo(new[] { "also_added" }));
        Assert.That(copies.Types.Values, Is.All.EqualTo(DType.BF16));
        Assert.That(copies.Reads.Select(r => (r.Node.Name, r.Input)), Is.EquivalentTo(new[] { ("b", 0) }));
        using var fp32 = new CudaBackend(TestDevices.Create("cuda-emu"));
        using var same = new Executor(g, fp32, ["a", "sum", "c"], passes: GraphPasses.None);
        Assert.That(fp32.StoredTypes(same.Plan.Schedule, new HashSet<Value>()), Is.Empty,
            "float32 mode narrows nothing");
    }
}
