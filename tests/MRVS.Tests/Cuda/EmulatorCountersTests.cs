using MRVS.Backends.Cuda;
using MRVS.Backends.Cuda.Emulation;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Pipeline.Benchmarking;
using MRVS.Tests.Support;

namespace MRVS.Tests.Cuda;

/// <summary>
/// The instrumented emulation (libmrvs_kernels_emu_counters.so): distinct 32-byte sectors of device memory per thread
/// block, on kernels whose access pattern is known, attributed to graph nodes; and the same results as the plain build.
/// </summary>
public class EmulatorCountersTests
{
    private static readonly Random Rng = new(13);

    private static Tensor Rand(params int[] shape) => OpRunner.Random(Rng, shape);

    [Test]
    public void ACopyMovesExactlyItsCompulsoryBytes()
    {
        // 64 × 100 floats = 25600 bytes in 1600 16-byte units: 7 blocks of 256 threads, each reading and writing
        // whole sectors (4096 bytes per block, the last 1024).
        var node = RunCounted(new SliceOp(0, 0, 64), Rand(64, 100)).Single();
        var launch = node.Work.Single();
        Assert.That((launch.Kind, launch.Name, launch.Blocks), Is.EqualTo((DeviceWorkKind.Kernel, "slice", 7L)));
        Assert.That((launch.ReadBytes, launch.WrittenBytes), Is.EqualTo((25600L, 25600L)));
        Assert.That(node.TrafficBytes, Is.EqualTo(node.CompulsoryBytes));
        Assert.That(launch.FootprintBytes, Is.EqualTo(launch.TrafficBytes));
    }

    [Test]
    public void EachBlockReadsABroadcastOperandOnce()
    {
        // a [40, 64] + b [64]: 10 blocks of 256 threads, 4 rows each; every block reads all of b (8 sectors) once,
        // however many of its threads read each element.
        var node = RunCounted(new BinaryOp(BinaryKind.Add), Rand(40, 64), Rand(64)).Single();
        var launch = node.Work.Single();
        Assert.That(launch.Blocks, Is.EqualTo(10));
        Assert.That(launch.ReadBytes, Is.EqualTo(40 * 64 * 4 + 10 * 64 * 4));
        Assert.That(launch.WrittenBytes, Is.EqualTo(40 * 64 * 4));
        Assert.That(node.CompulsoryBytes, Is.EqualTo(2 * 40 * 64 * 4 + 64 * 4));
        Assert.That(node.TrafficBytes - node.CompulsoryBytes, Is.EqualTo(9 * 64 * 4), "b re-read by 9 other blocks");
        Assert.That(launch.FootprintBytes, Is.EqualTo(node.CompulsoryBytes), "the launch as a whole reads b once");
    }

    [Test]
    public void TheLinearPassReadsItsBiasOncePerBlockOfRows()
    {
        // GELU after the GEMM (k = 8: no few-row route) on 32768 rows of 64: blocks of 32 rows, 1024 of them, each
        // reading its 64 biases once for all its rows, not once per 256 elements.
        const int m = 32768, n = 64;
        var node = RunCounted(new LinearOp(Activation.Gelu), Rand(m, 8), Rand(n, 8), Rand(n)).Single();
        var pass = node.Work.Single(w => w.Name == "linear");
        Assert.That(pass.Blocks, Is.EqualTo(m / 32));
        Assert.That((pass.ReadBytes, pass.WrittenBytes),
            Is.EqualTo(((long)m * n * 4 + m / 32 * n * 4L, (long)m * n * 4)));
        Assert.That(pass.FootprintBytes, Is.EqualTo(2L * m * n * 4 + n * 4));
    }

    [Test]
    public void SharedMemoryIsNotGlobalTraffic()
    {
        // layer_norm at 1024 channels: 64 threads per row, 2 rows per 128-thread block, the sums of a row's two warps
        // through shared memory. Each block reads its rows of x once (they stay in registers), gamma and beta, and
        // writes its rows of y, never read back.
        var node = RunCounted(new LayerNormOp(1e-5f), Rand(3, 1024), Rand(1024), Rand(1024)).Single();
        var launch = node.Work.Single();
        Assert.That((launch.Blocks, launch.ReadBytes, launch.WrittenBytes),
            Is.EqualTo((2L, 3 * 1024 * 4L + 2 * 2 * 1024 * 4L, 3 * 1024 * 4L)));
    }

    [Test]
    public void GemmsCountTheirOperandsAndFlops()
    {
        var node = RunCounted(new LinearOp(), Rand(6, 10), Rand(7, 10)).Single();
        var gemm = node.Work.Single();
        Assert.That(gemm.Kind, Is.EqualTo(DeviceWorkKind.Gemm));
        Assert.That((gemm.ReadBytes, gemm.WrittenBytes, gemm.Flops),
            Is.EqualTo(((6 * 10 + 7 * 10) * 4L, 6 * 7 * 4L, 2L * 6 * 7 * 10)));
        Assert.That(node.Flops, Is.EqualTo(gemm.Flops));
        Assert.That(node.TrafficBytes, Is.EqualTo(node.CompulsoryBytes));
    }

    [Test]
    public void InstrumentedKernelsComputeWhatThePlainOnesDo()
    {
        var x = Rand(5, 33);
        var (gamma, beta) = (Rand(33), Rand(33));
        using var counted = CountingBackend();
        using var plain = new CudaBackend(new EmulatedDevice(EmulatedDevice.FindLibrary()));
        var a = OpRunner.Run(counted, new LayerNormOp(1e-5f), x, gamma, beta);
        var b = OpRunner.Run(plain, new LayerNormOp(1e-5f), x, gamma, beta);
        Assert.That(a.Span<float>().ToArray(), Is.EqualTo(b.Span<float>().ToArray()));
    }

    /// <summary>
    /// One node through the executor with node timing (which attributes the counted work), on a fresh counting backend.
    /// </summary>
    [Test]
    public void WindowAttentionReadsItsInputsOnce()
    {
        // Swin-B stage 1 at 8 frames: 392-token windows (8×7×7, shifted), 4 heads of 32. Each (window, head) block
        // reads its head's q, k, v once however many passes of query rows re-stage K and V, its head's bias table row
        // and its window's region labels; nothing [heads, N, N] is read. Left over the compulsory bytes: the table
        // and regions read again by the other blocks (a table row of 2535 floats is not sector-aligned: up to two
        // partial sectors more per block).
        const int windows = 2, n = 392, heads = 4, c = 128;
        var op = new WindowAttentionOp(heads, masked: true, [8, 7, 7]);
        var regions = Tensor.Zeros(DType.F32, windows, n);
        foreach (ref var v in regions.Span<float>()) v = Rng.Next(3);
        var node = RunCounted(op, Rand(windows, n, 3 * c), Rand(heads, op.TableRows), regions).Single();
        long tableRow = op.TableRows * 4L, regionRow = n * 4L;
        long rereads = windows * heads * (tableRow + regionRow) - heads * tableRow - windows * regionRow;
        Assert.That(node.TrafficBytes - node.CompulsoryBytes, Is.InRange(rereads, rereads + windows * heads * 64L));
        TestContext.Out.WriteLine(
            $"window_attention: traffic {node.TrafficBytes} B, compulsory {node.CompulsoryBytes} B");
    }

    [TestCase(Precision.Bf16)]
    [TestCase(Precision.Fp16)]
    public void WindowAttentionOnTensorCoresCountsItsMmas(Precision precision)
    {
        // 2 windows of 98 tokens, 2 heads of 32: QKᵀ and PV are 4·windows·N²·C FLOPs, all on mma.sync in the 16-bit
        // entries; the MMAs also multiply the padding of the last 16-row query tile (98 → 112) and of the last
        // 64-key tile (98 → 128).
        const int windows = 2, n = 98, heads = 2, c = 64;
        var op = new WindowAttentionOp(heads, masked: false, [2, 7, 7]);
        var inputs = new[] { Rand(windows, n, 3 * c), Rand(heads, op.TableRows) };
        var mma = RunCounted(op, precision, inputs).Single().TensorFlops;
        long useful = 4L * windows * n * n * c;
        Assert.That(mma, Is.InRange(useful, useful * 112 * 128 / (n * n)));
        Assert.That(RunCounted(op, Precision.Fp32, inputs).Single().TensorFlops, Is.Zero, "fp32 runs on CUDA cores");
    }

    [Test]
    public void AttentionReadsKeysAndValuesOncePerBlockOfQueries()
    {
        // 70 queries at head dim 32 are two blocks of 64 rows per (batch, head), 8 blocks: each head's K and V are read
        // by both of its blocks, q and y once (head slices of 128 bytes, whole sectors), and each block reads its
        // batch's 45 padding bytes as two 32-byte sectors (90 compulsory bytes).
        const int batch = 2, lq = 70, lk = 45, e = 64, heads = 2, blocks = 2 * batch * heads;
        var node = RunCounted(new AttentionOp(heads, AttentionScaling.ScaleQuery, keyPaddingMask: true),
            Rand(batch, lq, e), Rand(batch, lk, e), Rand(batch, lk, e), Tensor.Zeros(DType.Bool, batch, lk)).Single();
        long keysAndValues = 2L * batch * lk * e * 4;
        Assert.That(node.TrafficBytes - node.CompulsoryBytes, Is.EqualTo(keysAndValues + blocks * 64L - batch * lk));
    }

    /// <summary>
    /// A whole SOC++ forward (the socpp-tiny fixture's model, one 64×64 frame): a Linear's or feed-forward's bias, ReLU
    /// and residual are applied by its GEMM, so the node launches kernels/linear.cu's pass only for what the GEMM's
    /// epilogue cannot compute (GELU, sigmoid, tanh, an activation before a residual), and not even then where its
    /// rows are few (linear_few_rows does GEMM and epilogue in one launch), which it runs only where that saves a pass
    /// (such a form, or a LayerNorm epilogue); every GEMM with an epilogue is charged its bias and residual reads.
    /// </summary>
    [Category(TestCategory.EndToEnd)]
    [Test]
    public void SocPlusPlusLaunchesTheLinearKernelOnlyForWhatTheGemmEpilogueCannotApply()
    {
        using var weights = SafeTensorsFile.Open(Fixtures.File("socpp-tiny", "weights.safetensors"));
        var config = ModelConfig.Load(Fixtures.File("socpp-tiny", "config.json"));
        var store = new WeightStore(weights);
        var shape = ForwardShape.WeightBinding;
        var graph = SocModel.Build(config, store, shape);
        using var backend = CountingBackend();
        using var rewrite = GraphRewrite.Apply(graph, [graph.Taps[SocModel.PredMasks], graph.Taps[SocModel.PredCls]],
            GraphPasses.All, backend);
        var ops = rewrite.Graph.Nodes.ToDictionary(n => n.Name, n => n.Op);
        var counted = ForwardCounters.Count(config, store, shape, backend);

        static bool Outside(Activation act, bool residual) =>
            act is Activation.Gelu or Activation.Sigmoid or Activation.Tanh || (act != Activation.None && residual);
        int linears = 0, outside = 0, fewRows = 0;
        foreach (var node in counted.Nodes)
        {
            var (needsPass, normalised, isLinear) = ops[node.Node] switch
            {
                LinearOp l => (Outside(l.Activation, l.HasResidual), l.NormEps is not null, true),
                FeedForwardOp f => (Outside(f.Activation, false), f.NormEps is not null, true),
                _ => (false, false, false),
            };
            long passes = node.Work.Count(w => w.Name == "linear");
            bool few = node.Work.Any(w => w.Name.StartsWith("linear_few_rows", StringComparison.Ordinal));
            string what = $"{node.Node} ({ops[node.Node].Describe()})";
            if (!needsPass) Assert.That(passes, Is.Zero, what);
            else Assert.That(passes > 0 || few, what + ": its activation is applied nowhere");
            if (few && isLinear) Assert.That(needsPass || normalised, what + ": linear_few_rows saves nothing here");
            if (isLinear) linears++;
            if (passes > 0) outside++;
            if (few) fewRows++;
        }
        Assert.That(linears, Is.GreaterThan(outside + fewRows), "most Linears have their epilogue in the GEMM");
        Assert.That(fewRows, Is.GreaterThan(0), "the text encoder's few rows run as one launch each");
        TestContext.Out.WriteLine($"{linears} Linear / feed-forward nodes, {outside} with a linear.cu pass, " +
            $"{fewRows} with linear_few_rows; {counted.Launches} launches");
    }

    [Test]
    public void GemmEpiloguesChargeTheirBiasAndResidualReads()
    {
        var node = RunCounted(new LinearOp(residual: true), Rand(6, 10), Rand(7, 10), Rand(7), Rand(6, 7)).Single();
        var gemm = node.Work.Single();
        Assert.That(gemm.Kind, Is.EqualTo(DeviceWorkKind.Gemm));
        Assert.That((gemm.ReadBytes, gemm.WrittenBytes), Is.EqualTo(((6 * 10 + 7 * 10 + 7 + 6 * 7) * 4L, 6 * 7 * 4L)));
        Assert.That(node.TrafficBytes, Is.EqualTo(node.CompulsoryBytes));
    }

    [Test]
    [Category(TestCategory.EndToEnd)]
    public void CountsAtTwoFrameCountsExtrapolateToTheTargetsFusedGraph()
    {
        // socpp-tiny with synthetic weights, counted at 1, 2 and 3 frames. From 1 and 2 to 3: the nodes are the
        // target graph's as the executor fuses it, its compulsory bytes are the target's own, and launches come out as
        // counted wherever a node runs the same kernels at the three counts (most: a few-row Linear changes tiles or
        // leaves linear_few_rows for cuBLAS as its rows grow with the frames). v2p splits its keys over blocks from 3
        // frames on (its combine kernel: a launch the shape switches on), so from 2 and 3 back to 1 that kernel is
        // extrapolated from zero work at 2, and comes out as none, as counted at 1. A node whose keys are few enough at
        // 1 or 2 frames (v2p over 6 tokens: cross_modal_fusion's few-keys route) runs kernels that 3 frames do not:
        // such a route switch cannot be extrapolated, so back to 1 only nodes whose kernels are switched on, never off,
        // as the frames grow are compared.
        var config = ModelConfig.Load(Fixtures.File("socpp-tiny", "config.json"));
        var weights = WeightStore.Synthetic(1, config.Swin.WindowSize);
        var shape = new ForwardShape(3, 64, 96, 6, 64, 96);
        using var backend = CountingBackend();
        var at = new[] { 1, 2, 3 }.ToDictionary(t => t,
            t => ForwardCounters.Count(config, weights, shape with { Frames = t }, backend));
        ForwardCounters From(int a, int b, int to) => ForwardCounters.Extrapolate(at[a], at[b], shape with
        {
            Frames = to,
        }, ForwardCounters.Plan(config, weights, shape with { Frames = to }));
        var forward = From(1, 2, to: 3);
        Assert.That(forward.Nodes.Select(n => n.Node), Is.EqualTo(at[3].Nodes.Select(n => n.Node)));
        Assert.That(forward.CompulsoryBytes, Is.EqualTo(at[3].CompulsoryBytes));
        static IEnumerable<string> Kernels(NodeWork n) => n.Work.Select(w => w.Name).Distinct().Order();
        var same = forward.Nodes.Zip(at[3].Nodes).Where(p => Kernels(p.First).SequenceEqual(Kernels(p.Second)))
            .ToList();
        Assert.That(same.Select(p => p.First.Launches), Is.EqualTo(same.Select(p => p.Second.Launches)));
        Assert.That(same, Has.Count.GreaterThan(forward.Nodes.Count * 9 / 10));
        var back = From(2, 3, to: 1);
        var comparable = back.Nodes.Select((n, i) => (Back: n, One: at[1].Nodes[i], Two: at[2].Nodes[i],
            Three: at[3].Nodes[i])).Where(x => !Kernels(x.One).Except(Kernels(x.Two)).Any()
            && !Kernels(x.Two).Except(Kernels(x.Three)).Any()).ToList();
        Assert.That(comparable.Select(x => x.Back.Launches), Is.EqualTo(comparable.Select(x => x.One.Launches)));
        Assert.That(comparable, Has.Count.GreaterThan(back.Nodes.Count * 9 / 10));
        Assert.That(back.OneSided, Has.Some.Contains("at 3 frames only"), "the v2p split is reported");
    }

    private static IReadOnlyList<NodeWork> RunCounted(Op op, params Tensor[] inputs) =>
        RunCounted(op, Precision.Fp32, inputs);

    private static IReadOnlyList<NodeWork> RunCounted(Op op, Precision precision, params Tensor[] inputs)
    {
        using var backend = CountingBackend(precision);
        var g = new ComputeGraph();
        var values = inputs.Select((t, i) => g.Input($"in{i}", t.DType, t.Shape)).ToArray();
        g.Tap("out", g.Add(op, "op", values));
        using var executor = new Executor(g, backend);
        var feeds = inputs.Select((t, i) => (Name: $"in{i}", t)).ToDictionary(p => p.Name, p => p.t);
        executor.Run(feeds, timeNodes: true).Outputs["out"].Dispose();
        return backend.Counters!.Nodes;
    }

    private static CudaBackend CountingBackend(Precision precision = Precision.Fp32)
    {
        var library = EmulatedDevice.FindLibrary(
            EmulatedDevice.CountersLibraryName, EmulatedDevice.CountersLibraryVariable);
        if (library is null)
            Assert.Ignore("skipped: the instrumented emulation library is not built (tools/ci/build-kernels-emu.sh)");
        return new CudaBackend(new EmulatedDevice(library, counters: true), precision);
    }
}
