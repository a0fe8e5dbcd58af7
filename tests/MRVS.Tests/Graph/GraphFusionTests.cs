using System.Runtime.InteropServices;
using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Fusion;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Tests.Support;

namespace MRVS.Tests.Graph;

/// <summary>
/// The graph-level fusion pass: each rule fires on its pattern and gives the unfused graph's outputs to the bit on the
/// CPU backend, requested intermediates are never fused away, and the rules fire on the released SOC++ model.
/// </summary>
public class GraphFusionTests
{
    private static readonly Random Rng = new(99);

    private static Tensor Rand(params int[] shape) => OpRunner.Random(Rng, shape);

    /// <summary>Runs the graph fused and unfused; returns the fusion and asserts equal outputs.</summary>
    private static FusionResult AssertSameOutputs(ComputeGraph g, Dictionary<string, Tensor> feeds,
        params string[] outputs)
    {
        using var backend = new CpuBackend();
        using var plain = new Executor(g, backend, outputs, passes: GraphPasses.None);
        using var fused = new Executor(g, backend, outputs);
        var expected = plain.Run(feeds).Outputs;
        var actual = fused.Run(feeds).Outputs;
        foreach (var name in outputs) TensorAssert.Equal(actual[name], expected[name], name);
        return fused.Rewrite.Fusion!;
    }

    private static Value Weight(ComputeGraph g, string name, params int[] shape) => g.Constant(name, Rand(shape));

    [Test]
    public void LinearGeluLinearResidualBecomesOneFeedForward()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 2, 7, 24);
        var h = g.Add(new LinearOp(), "fc1", x, Weight(g, "w1", 96, 24), Weight(g, "b1", 96));
        var a = g.Add(new UnaryOp(UnaryKind.Gelu), "act", h);
        var y = g.Add(new LinearOp(), "fc2", a, Weight(g, "w2", 24, 96), Weight(g, "b2", 24));
        g.Tap("out", g.Add(new BinaryOp(BinaryKind.Add), "residual", x, y));
        var fusion = AssertSameOutputs(g, new() { ["x"] = Rand(2, 7, 24) }, "out");
        Assert.That(fusion.NodesBefore, Is.EqualTo(4));
        Assert.That(fusion.Graph.Nodes.Select(n => n.Op.Describe()),
            Is.EqualTo(new[] { "feed_forward+Gelu+residual" }));
        Assert.That(fusion.Graph.Nodes[0].Name, Is.EqualTo("residual"));
    }

    /// <summary>NCHW maps made of tokens and flattened straight back (the deformable transformer's input): the two
    /// permutes cancel into a view; two that do not cancel become one.</summary>
    [Test]
    public void APermuteOfAPermuteIsOnePermuteOrAView()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 2, 3, 4, 5);
        var chw = g.Add(new PermuteOp(0, 3, 1, 2), "chw", x);
        g.Tap("back", g.Add(new PermuteOp(0, 2, 3, 1), "back", chw));
        var swapped = g.Add(new PermuteOp(1, 0, 2, 3), "swapped", x);
        g.Tap("twice", g.Add(new PermuteOp(0, 1, 3, 2), "twice", swapped));
        var fusion = AssertSameOutputs(g, new() { ["x"] = Rand(2, 3, 4, 5) }, "back", "twice");
        Assert.That(fusion.Graph.Nodes.Select(n => n.Op.Describe()),
            Is.EqualTo(new[] { "reshape", "permute(1,0,3,2)" }));
    }

    /// <summary>The input projection: a channels-last map permuted to NCHW, a 1×1 conv, a GroupNorm and back to
    /// tokens, becomes a Linear and a channels-last GroupNorm (within rounding: other summation orders).</summary>
    [Test]
    public void AProjectionBetweenPermutesRunsChannelsLast()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 2, 3, 5, 16);
        var nchw = g.Add(new PermuteOp(0, 3, 1, 2), "nchw", x);
        var conv = g.Add(new Conv2dOp(), "proj", nchw, Weight(g, "w", 64, 16, 1, 1), Weight(g, "b", 64));
        var norm = g.Add(new GroupNormOp(8, 1e-5f), "norm", conv, Weight(g, "gamma", 64), Weight(g, "beta", 64));
        g.Tap("tokens", g.Add(new PermuteOp(0, 2, 3, 1), "tokens", norm));
        using var backend = new CpuBackend();
        using var plain = new Executor(g, backend, ["tokens"], passes: GraphPasses.None);
        using var fused = new Executor(g, backend, ["tokens"]);
        var feeds = new Dictionary<string, Tensor> { ["x"] = Rand(2, 3, 5, 16) };
        TensorAssert.Close(fused.Run(feeds).Outputs["tokens"], plain.Run(feeds).Outputs["tokens"], "tokens", 1e-6);
        Assert.That(fused.Rewrite.Graph.Nodes.Where(n => !n.Op.IsView).Select(n => n.Op.Describe()),
            Is.EqualTo(new[] { "linear", "group_norm(channels last)" }));
    }

    [Test]
    public void RequestedIntermediatesAreNotFusedAway()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 5, 16);
        var h = g.Add(new LinearOp(Activation.Relu), "fc1", x, Weight(g, "w1", 32, 16), Weight(g, "b1", 32));
        var y = g.Add(new LinearOp(), "fc2", h, Weight(g, "w2", 16, 32), Weight(g, "b2", 16));
        g.Tap("hidden", h);
        g.Tap("out", g.Add(new BinaryOp(BinaryKind.Add), "residual", y, x));
        var fusion = AssertSameOutputs(g, new() { ["x"] = Rand(5, 16) }, "hidden", "out");
        Assert.That(fusion.Graph.Nodes.Select(n => n.Op.Describe()),
            Is.EqualTo(new[] { "linear+Relu", "linear+residual" }));
    }

    /// <summary>
    /// RoBERTa's post-norms: LN(x + Linear(h)) and LN(a + FFN(a)) become a Linear and a feed-forward op that take the
    /// residual and normalise their output (the same bits); a LayerNorm of a Linear that already has its residual, or
    /// of a requested Linear, stays.
    /// </summary>
    [Test]
    public void PostNormsBecomeLinearEpilogues()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 1, 6, 32);
        var dense = g.Add(new LinearOp(), "dense", x, Weight(g, "w", 32, 32), Weight(g, "b", 32));
        var a = g.Add(new LayerNormOp(1e-12f, residual: true), "norm1", x, dense, Weight(g, "g1", 32),
            Weight(g, "b1", 32));
        var h = g.Add(new LinearOp(Activation.Gelu), "fc1", a, Weight(g, "w1", 64, 32), Weight(g, "c1", 64));
        var ffn = g.Add(new LinearOp(), "fc2", h, Weight(g, "w2", 32, 64), Weight(g, "c2", 32));
        var b = g.Add(new LayerNormOp(1e-12f, residual: true), "norm2", ffn, a, Weight(g, "g2", 32),
            Weight(g, "b2", 32));
        var withResidual = g.Add(new LinearOp(residual: true), "proj", b, Weight(g, "w3", 32, 32), b);
        var c = g.Add(new LayerNormOp(1e-5f, residual: true), "norm3", withResidual, b, Weight(g, "g3", 32),
            Weight(g, "b3", 32));
        var requested = g.Add(new LinearOp(), "requested", c, Weight(g, "w4", 32, 32));
        g.Tap("requested", requested);
        g.Tap("out", g.Add(new LayerNormOp(1e-5f), "norm4", requested, Weight(g, "g4", 32), Weight(g, "b4", 32)));
        var fusion = AssertSameOutputs(g, new() { ["x"] = Rand(1, 6, 32) }, "requested", "out");
        Assert.That(fusion.Graph.Nodes.Select(n => n.Op.Describe()), Is.EqualTo(new[]
        {
            "linear+residual+layer_norm", "feed_forward+Gelu+residual+layer_norm", "linear+residual", "layer_norm",
            "linear", "layer_norm",
        }));
        Assert.That(fusion.Fired["layer_norm → linear epilogue"], Is.EqualTo(2));
    }

    [Test]
    public void ResidualAddFoldsIntoLayerNormAndWindowMerge()
    {
        var g = new ComputeGraph();
        var window = new SwinWindow([2, 7, 7], [1, 3, 3]);
        var x = g.Input("x", DType.F32, 3, 9, 10, 8);
        var windows = g.Input("windows", DType.F32, window.Windows(3, 9, 10), window.Tokens, 8);
        var merged = g.Add(new SwinWindowMergeOp(window, 3, 9, 10), "merge", windows);
        var skip = g.Add(new BinaryOp(BinaryKind.Add), "residual1", x, merged);
        var sum = g.Add(new BinaryOp(BinaryKind.Add), "sum", skip, x);
        g.Tap("out", g.Add(new LayerNormOp(1e-5f), "norm", sum, Weight(g, "g", 8), Weight(g, "b", 8)));
        var feeds =
            new Dictionary<string, Tensor>
            {
                ["x"] = Rand(3, 9, 10, 8),
                ["windows"] = Rand(window.Windows(3, 9, 10), window.Tokens, 8)
            };
        var fusion = AssertSameOutputs(g, feeds, "out");
        Assert.That(fusion.Graph.Nodes.Select(n => n.Op.Describe()),
            Is.EqualTo(new[] { $"swin_window_merge({window}, residual)", "layer_norm" }));
        Assert.That(fusion.Fired.Keys,
            Is.EquivalentTo(new[] { "residual add → producer", "residual add → layer_norm" }));
    }

    [Test]
    public void WindowPartitionFoldsIntoTheLayerNormBeforeIt()
    {
        var g = new ComputeGraph();
        var window = new SwinWindow([2, 7, 7], [1, 3, 3]);
        var x = g.Input("x", DType.F32, 3, 9, 10, 8);
        var norm = g.Add(new LayerNormOp(1e-5f), "norm1", x, Weight(g, "g", 8), Weight(g, "b", 8));
        g.Tap("out", g.Add(new SwinWindowPartitionOp(window), "windows", norm));
        var fusion = AssertSameOutputs(g, new() { ["x"] = Rand(3, 9, 10, 8) }, "out");
        Assert.That(fusion.Graph.Nodes.Select(n => n.Op.Describe()),
            Is.EqualTo(new[] { $"swin_window_layer_norm({window})" }));
        Assert.That(fusion.Graph.Nodes[0].Output.Type.Shape, Is.EqualTo(new[] { 8, 98, 8 }), "padding rows included");
    }

    /// <summary>
    /// A Swin attention's tail, window attention → proj → merge → + x, shifted and padded or regular and padded: the
    /// attention stores merged rows, the proj runs over the 270 tokens (not the 392 window rows) with the skip
    /// connection in its epilogue, and no merge is left.
    /// </summary>
    [TestCase(1, 3, 3)]
    [TestCase(0, 0, 0)]
    public void WindowMergeFoldsIntoTheAttentionStores(int sd, int sh, int sw)
    {
        var g = new ComputeGraph();
        var window = new SwinWindow([2, 7, 7], [sd, sh, sw]);
        int windows = window.Windows(3, 9, 10);
        int[] full = [8, 7, 7];
        var x = g.Input("x", DType.F32, 3, 9, 10, 8);
        var qkv = g.Input("qkv", DType.F32, windows, window.Tokens, 24);
        var regions = g.Input("regions", DType.F32, windows, window.Tokens);
        var table = Weight(g, "table", 2, WindowAttentionOp.TableRowsOf(full));
        var attended = g.Add(new WindowAttentionOp(2, masked: true, full), "attn", qkv, table, regions);
        var projected = g.Add(new LinearOp(), "attn.proj", attended, Weight(g, "w", 8, 8), Weight(g, "b", 8));
        var merged = g.Add(new SwinWindowMergeOp(window, 3, 9, 10), "attn.merge", projected);
        g.Tap("out", g.Add(new BinaryOp(BinaryKind.Add), "residual1", x, merged));
        var labels = Tensor.Zeros(DType.F32, windows, window.Tokens);
        foreach (ref var v in labels.Span<float>()) v = Rng.Next(3);
        var feeds = new Dictionary<string, Tensor>
        {
            ["x"] = Rand(3, 9, 10, 8),
            ["qkv"] = Rand(windows, window.Tokens, 24),
            ["regions"] = labels,
        };
        var fusion = AssertSameOutputs(g, feeds, "out");
        Assert.That(fusion.Graph.Nodes.Select(n => n.Op.Describe()), Is.EqualTo(new[]
        {
            $"window_attention(heads 2, window 8×7×7, shift mask, stores merged: {window} into 3×9×10)",
            "linear+residual",
        }));
        Assert.That(fusion.Graph.Nodes.Select(n => n.Name), Is.EqualTo(new[] { "attn", "residual1" }));
        Assert.That(fusion.Graph.Nodes[0].Output.Type.Shape, Is.EqualTo(new[] { 3, 9, 10, 8 }), "no padding rows");
    }

    [Test]
    public void WindowPartitionOfASharedOrResidualNormStaysUnfused()
    {
        var g = new ComputeGraph();
        var window = new SwinWindow([2, 7, 7], [0, 0, 0]);
        var x = g.Input("x", DType.F32, 2, 7, 7, 4);
        var norm = g.Add(new LayerNormOp(1e-5f), "norm", x, Weight(g, "g", 4), Weight(g, "b", 4));
        var residual = g.Add(new LayerNormOp(1e-5f, residual: true), "norm_residual", x, x, Weight(g, "g2", 4),
            Weight(g, "b2", 4));
        g.Tap("norm", norm);
        g.Tap("windows", g.Add(new SwinWindowPartitionOp(window), "windows", norm));
        g.Tap("windows_residual", g.Add(new SwinWindowPartitionOp(window), "windows_residual", residual));
        var fusion = AssertSameOutputs(g, new() { ["x"] = Rand(2, 7, 7, 4) }, "norm", "windows", "windows_residual");
        Assert.That(fusion.Fired, Is.Empty, "the norm is requested; the residual LayerNorm has no windowed form");
    }

    /// <summary>
    /// q, k, v of one input become one grouped_linear whose members are views (k requested, so copied out of the
    /// middle of the stacked output); a Linear of another width, one with an activation and one of another input stay
    /// Linears. The same bits as the separate Linears.
    /// </summary>
    [Test]
    public void LinearsSharingAnInputBecomeOneGroupedLinear()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 2, 7, 24);
        var other = g.Input("other", DType.F32, 2, 7, 24);
        Value Linear(string name, Value input, int n, Activation act = Activation.None) =>
            g.Add(new LinearOp(act), $"attn.{name}", input, Weight(g, $"{name}.w", n, 24), Weight(g, $"{name}.b", n));
        var q = Linear("query", x, 64);
        var k = Linear("key", x, 64);
        var narrow = Linear("narrow", x, 32);
        var relu = Linear("relu", x, 64, Activation.Relu);
        var v = Linear("value", x, 64);
        var elsewhere = Linear("elsewhere", other, 64);
        var sum = g.Add(new BinaryOp(BinaryKind.Mul), "qkv", g.Add(new BinaryOp(BinaryKind.Mul), "qk", q, k), v);
        g.Tap("k", k);
        g.Tap("out", g.Add(new BinaryOp(BinaryKind.Add), "out", g.Add(new BinaryOp(BinaryKind.Add), "plus_relu",
            sum, relu), elsewhere));
        g.Tap("narrow", narrow);
        var fusion = AssertSameOutputs(g, new() { ["x"] = Rand(2, 7, 24), ["other"] = Rand(2, 7, 24) }, "k", "out",
            "narrow");
        Assert.That(fusion.Fired["linears sharing an input → grouped_linear"], Is.EqualTo(3));
        var grouped = fusion.Graph.Nodes.Single(n => n.Op is GroupedLinearOp);
        Assert.That(grouped.Name, Is.EqualTo("attn.{query,key,value}"));
        Assert.That(grouped.Output.Shape, Is.EqualTo(new[] { 3, 2, 7, 64 }));
        Assert.That(fusion.Graph.Nodes.Where(n => n.Op is SelectOp).Select(n => n.Name),
            Is.EqualTo(new[] { "attn.query", "attn.key", "attn.value" }));
        Assert.That(fusion.Graph.Nodes.Count(n => n.Op is LinearOp), Is.EqualTo(3), "narrow, relu, elsewhere");
    }

    [Test]
    public void BroadcastAddsAndSharedProducersStayUnfused()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 4, 6);
        var y = g.Add(new LinearOp(), "fc", x, Weight(g, "w", 6, 6), Weight(g, "b", 6));
        var broadcast = g.Add(new BinaryOp(BinaryKind.Add), "plus_row", y, Weight(g, "row", 6));
        var twice = g.Add(new BinaryOp(BinaryKind.Add), "twice", y, broadcast);
        g.Tap("out", twice);
        var fusion = AssertSameOutputs(g, new() { ["x"] = Rand(4, 6) }, "out");
        Assert.That(fusion.Fired, Is.Empty, "y feeds two adds and the row add broadcasts");
        Assert.That(fusion.NodesAfter, Is.EqualTo(3));
    }

    /// <summary>
    /// The released SOC++ Video-Swin-T graph at a small input (the node structure does not depend on the frame size):
    /// every Swin MLP becomes one feed-forward with the skip connection, every Swin attention stores its rows merged
    /// and its skip connection goes into the proj Linear, every window partition into its norm1, and the text and
    /// deformable FFNs become feed-forwards.
    /// </summary>
    [Test]
    public void RulesFireOnTheReleasedSocppModel()
    {
        var config = ModelVariants.Get("socpp-mevis-swin-t");
        using var zeros = new ZeroWeights();
        var graph = SocModel.Build(config, new WeightStore(zeros), new ForwardShape(2, 96, 128, 6, 96, 128));
        var outputs = new[] { graph.Taps[SocModel.PredCls], graph.Taps[SocModel.PredMasks] };
        using var fusion = GraphFusion.Apply(graph, outputs);
        TestContext.Out.WriteLine($"{fusion.NodesBefore} → {fusion.NodesAfter}: {string.Join(", ",
            fusion.Fired.Select(f => $"{f.Key} ×{f.Value}"))}");
        var kinds = fusion.Graph.Nodes.GroupBy(n => n.Op.Describe()).ToDictionary(g => g.Key, g => g.Count());
        TestContext.Out.WriteLine(string.Join(", ",
            kinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key} ×{k.Value}")));
        TestContext.Out.WriteLine("grouped: " + string.Join("; ", fusion.Graph.Nodes.Where(n => n.Op is GroupedLinearOp)
            .Select(n => $"{n.Name} {n.Inputs[1].Type}")));
        TestContext.Out.WriteLine("Linears still sharing an input: " + string.Join("; ", fusion.Graph.Nodes
            .Where(n => n.Op is LinearOp).GroupBy(n => n.Inputs[0]).Where(g => g.Count() > 1)
            .Select(g => string.Join(" + ", g.Select(n => $"{n.Name} {n.Inputs[1].Type}")))));
        Assert.Multiple(() =>
        {
            // 12 Swin MLPs, 12 RoBERTa FFNs, 6 + 6 deformable encoder/decoder FFNs, 6 in the prediction heads' MLPs.
            Assert.That(fusion.Fired["linear → linear as feed_forward"], Is.EqualTo(42));
            Assert.That(kinds["feed_forward+Gelu+residual"], Is.EqualTo(12), "Swin MLP with its skip connection");
            // 12 Swin MLP and 12 Swin attention skip connections (onto the proj Linear), 3 box refinements onto their
            // MLP.
            Assert.That(fusion.Fired["residual add → producer"], Is.EqualTo(27));
            // Every Swin attention stores its rows merged: no merge pass is left.
            Assert.That(fusion.Fired["swin window merge → window_attention stores"], Is.EqualTo(12));
            Assert.That(fusion.Graph.Nodes.Count(n => n.Op is WindowAttentionOp { Merge: not null }), Is.EqualTo(12));
            Assert.That(fusion.Graph.Nodes.Count(n => n.Op is SwinWindowMergeOp), Is.EqualTo(0));
            Assert.That(fusion.Fired["residual add → layer_norm"], Is.EqualTo(1));
            // Every post-norm after a Linear or FFN: RoBERTa's 24, the deformable encoder's 6 and decoder's 9, the
            // VOC's 6 + 9 and its two frame-score FFNs', query_fusion's, the text projection's.
            Assert.That(fusion.Fired["layer_norm → linear epilogue"], Is.EqualTo(58));
            Assert.That(kinds["feed_forward+Gelu+residual+layer_norm"], Is.EqualTo(12), "RoBERTa's FFN and its norm");
            // Every Swin block's norm1 writes its windows.
            Assert.That(fusion.Fired["swin window partition → layer_norm"], Is.EqualTo(12));
            Assert.That(kinds.Keys.Where(k => k.StartsWith("swin_window_partition", StringComparison.Ordinal)),
                Is.Empty);
            // 69 Linears in 24 groups: RoBERTa's query, key and value (12 × 3); the self-attention q_proj and k_proj
            // of the deformable decoder and the VOC (3 × 2 each); value projections of one memory across layers
            // (deformable decoder 3, VOC cross-attention 3, VOC encoder k and v 6); the fusion's text projections
            // (vlf v_proj × 4 with lvf q_proj, lvf k and v, query_fusion k and v).
            Assert.That(fusion.Fired["linears sharing an input → grouped_linear"], Is.EqualTo(69));
            Assert.That(kinds["grouped_linear"], Is.EqualTo(24));
            // The NCHW maps the fusion makes of each level's tokens, flattened straight back by the deformable
            // transformer: a view.
            Assert.That(fusion.Fired["permute of a permute → one"], Is.EqualTo(4));
            // The three 1×1 input projections and the FPN's three adapters run channels last, and the projections'
            // GroupNorms too.
            Assert.That(fusion.Fired["1×1 conv of a permuted map → linear"], Is.EqualTo(6));
            Assert.That(fusion.Fired["group_norm between permutes → channels last"], Is.EqualTo(3));
            // The deformable layers compute their softmax and sampling locations inside ms_deform_attn, from one GEMM
            // of the query; each grouped Linear leaves a view.
            Assert.That((fusion.NodesBefore, fusion.NodesAfter), Is.EqualTo((683, 552)));
        });
    }

    /// <summary>Every weight zero, as views of one lazily zeroed allocation (no memory is touched for them).</summary>
    private sealed unsafe class ZeroWeights : WeightSource, IDisposable
    {
        private const long Bytes = 256L << 20;
        private readonly nint _zeros = (nint)NativeMemory.AllocZeroed((nuint)Bytes);

        public override string Name => "zeros";
        public override IReadOnlyCollection<string> Keys => [];

        public override Tensor? Find(string key, DType expectedDType, int[] expectedShape)
        {
            Assert.That(Shape.Elements(expectedShape) * expectedDType.Size(), Is.LessThanOrEqualTo(Bytes), key);
            return Tensor.View(expectedDType, expectedShape, _zeros, this);
        }

        public void Dispose() => NativeMemory.Free((void*)_zeros);
    }
}
