using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Models.Text;
using MRVS.Tests.Support;

namespace MRVS.Tests.Text;

public class TextModuleTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void RobertaAndTextProjectionMatchTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        var ids = f.Feed("text.input_ids");
        var mask = f.Feed("text.attention_mask");
        TextFeatures.Build(f.Builder, RobertaEncoder.Build(f.Builder, ids, mask), mask);
        var compared = f.RunAndCompare();
        var expected = new List<string>
        {
            "text_encoder.in.input_ids", "text_encoder.in.attention_mask", "text_encoder.embeddings.out",
            "text_encoder.last_hidden_state", "text_encoder.pooler_output",
            "txt_proj.word.out", "txt_proj.sentence.out", "text_pos.in.mask", "text_pos.out",
        };
        expected.AddRange(Enumerable.Range(0, f.Builder.Config.Roberta.NumLayers).Select(i =>
            $"text_encoder.encoder.layer.{i}.out"));
        Assert.That(compared, Is.SupersetOf(expected));
    }

    /// <summary>
    /// The fixtures hold one unpadded sentence; appending pad tokens (attention mask 0) must leave every real token's
    /// features, their encodings and the pooled sentence unchanged (padded keys masked, positions counted over real
    /// tokens).
    /// </summary>
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void PaddingTheSentenceChangesNoRealToken(string fixture)
    {
        using var weights = SafeTensorsFile.Open(Fixtures.File(fixture, "weights.safetensors"));
        using var inputs = SafeTensorsFile.Open(Fixtures.File(fixture, "inputs.safetensors"));
        var config = ModelConfig.Load(Fixtures.File(fixture, "config.json"));
        var ids = inputs.Get("text.input_ids").ToDoubleArray().Select(v => (long)v).ToArray();
        int len = ids.Length, pads = 3, d = config.Transformer.DModel;
        var plain = Run(config, weights, ids, 0);
        var padded = Run(config, weights, ids, pads);
        Assert.That(padded["text_pos.in.mask"].ToDoubleArray(), Is.EqualTo(Enumerable.Range(0, len + pads).Select(j =>
            j < len ? 0.0 : 1.0)));
        foreach (var (name, rows, perRow) in new[] { ("memory", len, d), ("sentence", 1, d), ("hidden", len,
            config.Roberta.HiddenSize) })
        {
            var a = plain[name].ToDoubleArray();
            var b = padded[name].ToDoubleArray().Take(rows * perRow).ToArray();
            using var expected = Tensor.FromSpan<double>(a, a.Length);
            using var actual = Tensor.FromSpan<double>(b, b.Length);
            TensorAssert.Close(actual, expected, name);
        }
        var pos = padded["pos"].ToDoubleArray();
        var plainPos = plain["pos"].ToDoubleArray();
        for (int k = 0; k < d; k++)
            for (int j = 0; j < len; j++)
                Assert.That(pos[k * (len + pads) + j], Is.EqualTo(plainPos[k * len + j]).Within(1e-6),
                    $"text_pos channel {k}, token {j}");
    }

    private static IReadOnlyDictionary<string, Tensor> Run(ModelConfig config, SafeTensorsFile weights, long[] ids,
        int pads)
    {
        int len = ids.Length + pads;
        var b = new GraphBuilder(config, new WeightStore(weights));
        var idsIn = b.Graph.Input("ids", DType.I64, 1, len);
        var maskIn = b.Graph.Input("mask", DType.I64, 1, len);
        var encoded = RobertaEncoder.Build(b, idsIn, maskIn);
        var text = TextFeatures.Build(b, encoded, maskIn);
        b.Tap("memory", text.Memory);
        b.Tap("sentence", text.Sentence);
        b.Tap("hidden", encoded.LastHidden);
        b.Tap("pos", b.Permute(text.Pos, "pos", 0, 2, 1));
        var padId = config.Roberta.PadTokenId;
        var feeds = new Dictionary<string, Tensor>
        {
            ["ids"] = Tensor.FromSpan<long>(ids.Concat(Enumerable.Repeat((long)padId, pads)).ToArray(), 1, len),
            ["mask"] = Tensor.FromSpan<long>(Enumerable.Range(0, len).Select(j => j < ids.Length ? 1L : 0L).ToArray(),
                1, len),
        };
        using var ex = new Executor(b.Graph, new CpuBackend(), ["memory", "sentence", "hidden", "pos",
            "text_pos.in.mask"]);
        return ex.Run(feeds).Outputs;
    }

    [Test]
    public void InputsThatAreNotOneSentenceAreRejectedWithTheirShapes()
    {
        var config = ModelConfig.Load(Fixtures.File("soc-tiny", "config.json"));
        using var weights = SafeTensorsFile.Open(Fixtures.File("soc-tiny", "weights.safetensors"));
        var b = new GraphBuilder(config, new WeightStore(weights));
        var ids = b.Graph.Input("ids", DType.I64, 2, 5);
        var ex = Assert.Throws<ShapeException>(() => RobertaEncoder.Build(b, ids, ids));
        Assert.That(ex!.Message, Does.Contain("input ids").And.Contain("one sentence"));
        var one = b.Graph.Input("one", DType.I64, 1, 5);
        var shortMask = b.Graph.Input("short", DType.I64, 1, 4);
        ex = Assert.Throws<ShapeException>(() => RobertaEncoder.Build(b, one, shortMask));
        Assert.That(ex!.Message, Does.Contain("attention mask"));
    }
}
