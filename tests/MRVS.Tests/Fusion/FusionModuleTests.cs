using MRVS.Backends.Cpu;
using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Models.Fusion;
using MRVS.Models.Text;
using MRVS.Tests.Support;

namespace MRVS.Tests.Fusion;

public class FusionModuleTests
{
    /// <summary>
    /// The text side exactly as the fixture holds it (txt_proj outputs, the 1-D encoding and its mask).
    /// </summary>
    private static TextFeatures FixtureText(FixtureGraph f)
    {
        var b = f.Builder;
        var word = f.Outputs.Get("txt_proj.word.out");
        int len = word.Shape[0], d = word.Shape[2];
        word.Dispose();
        return new TextFeatures(
            f.Feed("txt_proj.word.out", 1, len, d),
            b.Permute(f.Feed("text_pos.out"), "text_pos.sequence_first", 0, 2, 1),
            f.Feed("text_pos.in.mask"),
            f.Feed("txt_proj.sentence.out"));
    }

    private static Value[] Stages(FixtureGraph f, string prefix) =>
        Enumerable.Range(0, 4).Select(s => f.Feed($"{prefix}.{s}")).ToArray();

    private static Value PixelMask(FixtureGraph f)
    {
        var m = f.Inputs.Get("samples.mask");
        int[] s = m.Shape;
        m.Dispose();
        return f.Feed("samples.mask", s[0], s[2], s[3]);
    }

    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void InputProjectionAndFusionMatchTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        var text = FixtureText(f);
        var fusion =
            VisionLanguageFusion.Build(f.Builder, Stages(f, "backbone.out"), Stages(f, "backbone.mask"), PixelMask(f),
                text);
        var compared = f.RunAndCompare();

        bool socpp = f.Builder.Config.Family == ModelFamily.SocPlusPlus;
        var expected = new List<string> { "out.text_sentence_feature", "voc.in.language_query" };
        for (int l = 0; l < 4; l++)
            expected.AddRange([$"input_proj.{l}.out", $"transformer.in.src.{l}", $"transformer.in.mask.{l}",
                $"transformer.in.pos.{l}"]);
        if (socpp)
        {
            expected.AddRange(["proxy_embeds.init", "lvf.out", "transformer.in.tgt"]);
            expected.AddRange(Enumerable.Range(0, 3).SelectMany(l =>
                new[] { $"v2p.{l}.out", $"proxy_embeds.after_level{l}" }));
        }
        else expected.AddRange(Enumerable.Range(0, 3).Select(l => $"lvf.{l}.out"));
        Assert.That(compared, Is.SupersetOf(expected));
        Assert.That(fusion.DecoderTarget is null, Is.EqualTo(!socpp), "decoder target only for SOC++");
        Assert.That(fusion.LanguageQuery, Is.SameAs(socpp ? fusion.SentenceFeature : text.Sentence));
        var fusions = f.Builder.Graph.Nodes.Where(n => n.Op.Kind == "cross_modal_fusion").Select(n => n.Name);
        Assert.That(fusions, Is.SupersetOf(Enumerable.Range(0, 4).Select(l => $"vlf.{l}")),
            "every MMF call is one fused op after its projections");
        Assert.That(f.Builder.Graph.Nodes.Where(n => n.Op.Kind == "attention"), Is.Empty,
            "no unfused attention is left in the fusion stage");
    }

    /// <summary>
    /// Padded words are masked keys of vlf and left out of the sentence mean, so appending pad tokens to the
    /// sentence leaves every fused level and the sentence feature unchanged (the text graph runs here too).
    /// </summary>
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.FullDetail))]
    public void PaddingTheSentenceChangesNoFusedFeature(string fixture)
    {
        var plain = RunWithPaddedText(fixture, 0);
        var padded = RunWithPaddedText(fixture, 2);
        foreach (var name in plain.Keys) TensorAssert.Close(padded[name], plain[name], name);
    }

    private static IReadOnlyDictionary<string, Tensor> RunWithPaddedText(string fixture, int pads)
    {
        using var weights = SafeTensorsFile.Open(Fixtures.File(fixture, "weights.safetensors"));
        using var outputs = SafeTensorsFile.Open(Fixtures.File(fixture, "outputs.safetensors"));
        using var inputs = SafeTensorsFile.Open(Fixtures.File(fixture, "inputs.safetensors"));
        var b = new GraphBuilder(ModelConfig.Load(Fixtures.File(fixture, "config.json")), new WeightStore(weights));
        var feeds = new Dictionary<string, Tensor>();
        Value Feed(string name, Tensor t)
        {
            feeds[name] = t;
            return b.Graph.Input(name, t.DType, t.Shape);
        }
        var ids = inputs.Get("text.input_ids").ToDoubleArray().Select(v => (long)v).ToArray();
        int len = ids.Length + pads;
        var idsIn =
            Feed("ids",
                Tensor.FromSpan<long>(ids.Concat(Enumerable.Repeat((long)b.Config.Roberta.PadTokenId, pads)).ToArray(),
                    1, len));
        var maskIn =
            Feed("mask",
                Tensor.FromSpan<long>(Enumerable.Range(0, len).Select(j => j < ids.Length ? 1L : 0L).ToArray(), 1,
                    len));
        var text = TextFeatures.Build(b, RobertaEncoder.Build(b, idsIn, maskIn), maskIn);
        using var pixels = inputs.Get("samples.mask");
        var features = Enumerable.Range(0, 4).Select(s =>
            Feed($"backbone.out.{s}", outputs.Get($"backbone.out.{s}"))).ToArray();
        var masks = Enumerable.Range(0, 4).Select(s =>
            Feed($"backbone.mask.{s}", outputs.Get($"backbone.mask.{s}"))).ToArray();
        var pixelMask = Feed("samples.mask", pixels.Reshaped(pixels.Shape[0], pixels.Shape[2], pixels.Shape[3]));
        var fusion = VisionLanguageFusion.Build(b, features, masks, pixelMask, text);
        var names = new List<string> { "out.text_sentence_feature" };
        names.AddRange(Enumerable.Range(0, 4).Select(l => $"transformer.in.src.{l}"));
        if (fusion.DecoderTarget is not null) names.Add("transformer.in.tgt");
        using var ex = new Executor(b.Graph, new CpuBackend(), names);
        var result = ex.Run(feeds).Outputs;
        foreach (var t in feeds.Values) t.Dispose();
        return result;
    }

    [Test]
    public void MismatchedStageMasksAreRejectedInModelTerms()
    {
        using var f = new FixtureGraph("soc-tiny");
        var masks = Stages(f, "backbone.mask");
        (masks[1], masks[2]) = (masks[2], masks[1]);
        var ex = Assert.Throws<ShapeException>(() =>
            VisionLanguageFusion.Build(f.Builder, Stages(f, "backbone.out"), masks, PixelMask(f), FixtureText(f)));
        Assert.That(ex!.Message, Does.Contain("mask of Swin stage 1"));
    }

    [Test]
    public void MultimodalFusionShapeProblemsNameTheTokens()
    {
        using var f = new FixtureGraph("soc-tiny");
        var g = f.Builder.Graph;
        int d = f.Builder.Config.Transformer.DModel;
        var visual = g.Input("visual", DType.F32, 1, 12, d);
        var words = g.Input("words", DType.F32, 1, 5, d);
        var ex = Assert.Throws<ShapeException>(() =>
            MultimodalFusion.Build(f.Builder, "vlf", "vlf.0", visual, g.Input("narrow", DType.F32, 1, 5, d - 1), null,
                null));
        Assert.That(ex!.Message, Does.StartWith("vlf.0: words are"));
        ex = Assert.Throws<ShapeException>(() =>
            MultimodalFusion.Build(f.Builder, "v2p", "v2p.1", words, visual, null, g.Input("mask", DType.Bool, 1, 11)));
        Assert.That(ex!.Message, Does.Contain("padding mask of the fused visual tokens").And.Contain("Bool[1, 12]"));
    }
}
