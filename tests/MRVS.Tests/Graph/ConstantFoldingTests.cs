using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Models;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Tests.Support;

namespace MRVS.Tests.Graph;

/// <summary>
/// Constant folding: what constants alone determine runs once when the executor is built, a product with ones goes,
/// a Linear of tokens plus a constant takes the constant's product as its GEMM's addend, and on the released model
/// the mask-derived nodes leave the forward.
/// </summary>
public class ConstantFoldingTests
{
    private static readonly Random Rng = new(7);

    private static Value Constant(ComputeGraph g, string name, params int[] shape) =>
        g.Constant(name, OpRunner.Random(Rng, shape));

    private static Value Filled(ComputeGraph g, string name, float value, params int[] shape)
    {
        var t = Tensor.Zeros(DType.F32, shape);
        t.Span<float>().Fill(value);
        return g.Constant(name, t);
    }

    /// <summary>Runs <paramref name="g"/> with no passes and with all of them, checks that the outputs agree (to the
    /// bit, or within <paramref name="tolerance"/> relative to their scale), then <paramref name="check"/>s the
    /// executor's rewrite.</summary>
    private static void Run(ComputeGraph g, Tensor x, string[] outputs, Action<GraphRewrite> check,
        double? tolerance = null)
    {
        using var backend = new CpuBackend();
        using var plain = new Executor(g, backend, outputs, passes: GraphPasses.None);
        using var folded = new Executor(g, backend, outputs);
        var feeds = new Dictionary<string, Tensor> { ["x"] = x };
        var (expected, actual) = (plain.Run(feeds).Outputs, folded.Run(feeds).Outputs);
        foreach (var name in outputs)
            if (tolerance is { } tol) TensorAssert.Close(actual[name], expected[name], name, tol);
            else TensorAssert.Equal(actual[name], expected[name], name);
        check(folded.Rewrite);
    }

    [Test]
    public void ConstantNodesRunOnceAndAProductWithOnesIsDropped()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 4, 6);
        var keep = g.Add(new BinaryOp(BinaryKind.Sub), "keep", Filled(g, "one", 1f, 4, 1), Filled(g, "zero", 0f, 4, 1));
        var pos = g.Add(new UnaryOp(UnaryKind.Tanh), "pos", Constant(g, "table", 4, 6));
        var masked = g.Add(new BinaryOp(BinaryKind.Mul), "masked", x, keep);
        g.Tap("out", g.Add(new BinaryOp(BinaryKind.Add), "out", masked, pos));
        g.Tap("pos", pos);
        Run(g, OpRunner.Random(Rng, 4, 6), ["out", "pos"], rewrite =>
        {
            Assert.That(rewrite.Folding!.Folded, Is.EqualTo(2));
            Assert.That(rewrite.Folding.Dropped, Is.EqualTo(1));
            Assert.That(rewrite.Graph.Nodes.Select(n => n.Name), Is.EqualTo(new[] { "out" }));
            Assert.That(rewrite[pos].Kind, Is.EqualTo(ValueKind.Constant), "a requested folded value is a constant");
        });
    }

    [Test]
    public void LinearsOfTokensPlusAConstantTakeItsProductAsTheirResidual()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 3, 5, 8);
        var pos = g.Add(new UnaryOp(UnaryKind.Sigmoid), "pos", Constant(g, "table", 3, 5, 8));
        var query = g.Add(new BinaryOp(BinaryKind.Add), "query", x, pos);
        g.Tap("offsets", g.Add(new LinearOp(), "offsets", query, Constant(g, "w1", 16, 8), Constant(g, "b1", 16)));
        g.Tap("weights", g.Add(new LinearOp(), "weights", query, Constant(g, "w2", 8, 8), Constant(g, "b2", 8)));
        Run(g, OpRunner.Random(Rng, 3, 5, 8), ["offsets", "weights"], rewrite =>
            Assert.That(rewrite.Graph.Nodes.Select(n => (n.Name, n.Op.Describe())),
                Is.EqualTo(new[] { ("offsets", "linear+residual"), ("weights", "linear+residual") })), 1e-6);
    }

    /// <summary>SOC++'s v2p: the key is the tokens plus themselves, its Linear takes the tokens with its weight doubled
    /// (exact), and then shares the value's GEMM.</summary>
    [Test]
    public void ALinearOfAValuePlusItselfTakesTheValueWithItsWeightDoubled()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 6, 8);
        var key = g.Add(new BinaryOp(BinaryKind.Add), "key", x, x);
        g.Tap("k", g.Add(new LinearOp(), "k", key, Constant(g, "wk", 64, 8), Constant(g, "bk", 64)));
        g.Tap("v", g.Add(new LinearOp(), "v", x, Constant(g, "wv", 64, 8), Constant(g, "bv", 64)));
        Run(g, OpRunner.Random(Rng, 6, 8), ["k", "v"], rewrite =>
            Assert.That(rewrite.Graph.Nodes.Select(n => n.Op.Kind),
                Is.EqualTo(new[] { "grouped_linear", "select", "select" })));
    }

    /// <summary>VOC's query embedding, a weight [Q, d] added to queries [layers, Q, d]: its product is broadcast to
    /// the output's shape.</summary>
    [Test]
    public void AWeightAddedWithBroadcastBecomesTheLinearsAddend()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 3, 5, 8);
        var query = g.Add(new BinaryOp(BinaryKind.Add), "query", x, Constant(g, "query_embed", 5, 8));
        g.Tap("q", g.Add(new LinearOp(), "q", query, Constant(g, "wq", 16, 8), Constant(g, "bq", 16)));
        Run(g, OpRunner.Random(Rng, 3, 5, 8), ["q"], rewrite =>
        {
            Assert.That(rewrite.Graph.Nodes.Select(n => n.Op.Describe()), Is.EqualTo(new[] { "linear+residual" }));
            Assert.That(rewrite.Graph.Nodes[0].Inputs[^1].Shape, Is.EqualTo(new[] { 3, 5, 16 }));
        }, 1e-6);
    }

    /// <summary>The decoder's self-attention: q and k of tgt + query_pos, v of tgt; all three become one grouped GEMM,
    /// q's and k's constant products its addends, v's bias its own.</summary>
    [Test]
    public void QueryKeyAndValueOfTokensAndTokensPlusAConstantShareOneGroupedGemm()
    {
        var g = new ComputeGraph();
        var x = g.Input("x", DType.F32, 6, 8);
        var pos = g.Add(new UnaryOp(UnaryKind.Tanh), "pos", Constant(g, "table", 6, 8));
        var query = g.Add(new BinaryOp(BinaryKind.Add), "query", x, pos);
        g.Tap("q", g.Add(new LinearOp(), "q", query, Constant(g, "wq", 64, 8), Constant(g, "bq", 64)));
        g.Tap("k", g.Add(new LinearOp(), "k", query, Constant(g, "wk", 64, 8), Constant(g, "bk", 64)));
        g.Tap("v", g.Add(new LinearOp(), "v", x, Constant(g, "wv", 64, 8), Constant(g, "bv", 64)));
        Run(g, OpRunner.Random(Rng, 6, 8), ["q", "k", "v"], rewrite =>
            Assert.That(rewrite.Graph.Nodes.Select(n => n.Op.Kind),
                Is.EqualTo(new[] { "grouped_linear", "select", "select", "select" })), 1e-6);
    }

    /// <summary>
    /// With B = 1 nothing is padding: the masks, positional encodings, valid ratios and reference points are computed
    /// at build time, and the deformable attention's value masking is gone.
    /// </summary>
    [Category(TestCategory.EndToEnd)]
    [Test]
    public void MaskDerivedNodesLeaveTheSocppForward()
    {
        using var weights = SafeTensorsFile.Open(Fixtures.File("socpp-tiny", "weights.safetensors"));
        var config = ModelConfig.Load(Fixtures.File("socpp-tiny", "config.json"));
        var graph = SocModel.Build(config, new WeightStore(weights), new ForwardShape(2, 64, 96, 6, 64, 96));
        using var cpu = new CpuBackend();
        using var rewrite = GraphRewrite.Apply(graph, [graph.Taps[SocModel.PredMasks], graph.Taps[SocModel.PredCls]],
            GraphPasses.All, cpu);
        var kinds = rewrite.Graph.Nodes.Select(n => n.Op.Kind).ToHashSet();
        Assert.That(kinds, Has.None.AnyOf("sine_position_encoding", "valid_ratio", "deformable_reference_points"));
        Assert.That(rewrite.Graph.Nodes.Where(n => n.Name.StartsWith("backbone.mask", StringComparison.Ordinal)
            || n.Name.EndsWith("value_masked", StringComparison.Ordinal)), Is.Empty);
        Assert.That(rewrite.Folding!.Dropped, Is.EqualTo(config.Transformer.EncLayers + config.Transformer.DecLayers),
            "the value masking of every deformable attention");
        Assert.That(rewrite.Graph.Nodes.Where(n => n.Name.EndsWith(".sampling_offsets+attention_weights",
            StringComparison.Ordinal)).Select(n => n.Op.Describe()).Distinct(), Is.EqualTo(new[] { "linear+residual" }),
            "the query's positional term rides in its projection's epilogue");
    }
}
