using MRVS.Core.Graph;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Models.Heads;
using MRVS.Tests.Support;

namespace MRVS.Tests.Heads;

/// <summary>
/// SegmentationHeads fed with the fixtures' decoder outputs: every VOC / fusion / head / output tap against the
/// fixture.
/// </summary>
public class HeadsModuleTests
{
    private static HeadsOutput BuildFromFixture(FixtureGraph f) =>
        SegmentationHeads.Build(f.Builder, f.Feed("transformer.hs"), f.Feed("transformer.init_reference"),
            f.Feed("transformer.inter_references"),
            f.Feed("voc.in.language_query"), f.Feed("out.text_sentence_feature"));

    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void EveryTapMatchesTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        var b = f.Builder;
        var heads = BuildFromFixture(f);
        int layers = b.Config.Transformer.DecLayers;
        Assert.That(heads.OutputLayer, Is.EqualTo(b.Config.Family == ModelFamily.SocPlusPlus ? layers - 1 : 0),
            "output layer");
        Assert.That(heads.ControllerParams, Has.Length.EqualTo(layers));
        Assert.That(heads.MaskReferences, Has.Length.EqualTo(layers));

        // The returned values, under the names of the fixture tensors the mask head is given.
        for (int l = 0; l < layers; l++)
        {
            var p = heads.ControllerParams[l];
            var r = heads.MaskReferences[l];
            b.Tap($"controller.{l}.params_b_tq_n",
                b.Reshape(p, b.Name("test.params"), 1, p.Dim(0) * p.Dim(1), p.Dim(2)));
            b.Tap($"mask_head.{l}.reference_points", b.Reshape(r, b.Name("test.reference"), 1, r.Dim(0) * r.Dim(1), 2));
        }
        var compared = f.RunAndCompare();
        var expected =
            ExpectedTaps(b.Config).Concat(Enumerable.Range(0, layers).Select(l => $"mask_head.{l}.reference_points"));
        Assert.That(compared, Is.SupersetOf(expected));
    }

    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void EveryExpectedTapIsInTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        Assert.That(ExpectedTaps(f.Builder.Config).Where(n => !f.Outputs.Contains(n)), Is.Empty,
            "the fixture lacks taps this module should be checked on");
    }

    [Test]
    public void ReferenceShapesAreCheckedAtBuildTime()
    {
        using var f = new FixtureGraph("soc-tiny");
        var g = f.Builder.Graph;
        var ex = Assert.Throws<ShapeException>(() => SegmentationHeads.Build(f.Builder, f.Feed("transformer.hs"),
            g.Input("wrong_init", DType.F32, 4, 5, 4), f.Feed("transformer.inter_references"),
            f.Feed("voc.in.language_query"), f.Feed("out.text_sentence_feature")));
        Assert.That(ex!.Message, Does.Contain("init_reference").And.Contain("[4, 5, 2]"));
    }

    [Test]
    public void VideoQueriesMustPairWithFrameQueries()
    {
        using var f = new FixtureGraph("socpp-tiny");
        var cfg = f.Builder.Config;
        var b = new GraphBuilder(cfg with { Voc = cfg.Voc with { NumQueries = cfg.Voc.NumQueries + 2 } },
            f.Builder.Weights);
        var hs = b.Graph.Input("hs", DType.F32, 3, 4, 5, 128);
        var ex = Assert.Throws<ShapeException>(() =>
            SegmentationHeads.Build(b, hs, b.Graph.Input("init", DType.F32, 4, 5, 2),
            b.Graph.Input("inter", DType.F32, 3, 4, 5, 4), b.Graph.Input("lang", DType.F32, 1, 128),
            b.Graph.Input("sentence", DType.F32, 1, 128)));
        Assert.That(ex!.Message, Does.Contain("num_queries 7"));
    }

    /// <summary>The taps of this module that the fixtures hold, by family and layer counts.</summary>
    private static IEnumerable<string> ExpectedTaps(ModelConfig cfg)
    {
        int layers = cfg.Transformer.DecLayers;
        bool socpp = cfg.Family == ModelFamily.SocPlusPlus;
        string[] fixedNames =
        [
            "hs.ltbqc", "voc.in.frame_query", "voc.in.language_query", "voc.encode_frame_query.in",
                "voc.encode_frame_query.out",
            "voc.decoder_norm.out", "voc.out", "head.hs_voc", "head.outputs_class", "head.outputs_coord",
            "out.pred_cls", "out.pred_boxes", "out.pred_logit", "out.text_sentence_feature", "out.num_aux_outputs",
        ];
        foreach (var n in fixedNames) yield return n;
        for (int k = 0; k < cfg.Voc.EncLayers; k++)
        {
            yield return $"voc.enc_self_attn.{k}.out";
            yield return $"voc.enc_ffn.{k}.out";
        }
        for (int i = 0; i < cfg.Voc.DecLayers; i++)
            foreach (var kind in new[] { "cross_attention", "self_attention", "ffn" })
                yield return $"voc.transformer_{kind}_layers.{i}.out";
        for (int l = 0; l < layers; l++)
            foreach (var n in new[] { "class_embed.{0}.in", "class_embed.{0}.out", "bbox_embed.{0}.out",
                "controller.{0}.out", "controller.{0}.params_b_tq_n" })
                yield return string.Format(n, l);
        if (!socpp) yield break;
        string[] socppNames =
        [
            "voc.score_embd.out", "voc.diff_embd.out", "voc.frame_score", "voc.frame_score_match",
            "bmrw.in.hs_lb_tq_c", "bmrw.in.x", "bmrw.in.y", "bmrw.out",
            "query_fusion.in.memory", "query_fusion.in.tgt", "query_fusion.out", "query_fusion.out.ltbqc",
        ];
        foreach (var n in socppNames) yield return n;
        for (int l = 0; l < layers - 1; l++)
            foreach (var field in new[] { "pred_cls", "pred_boxes", "pred_logit", "text_sentence_feature" })
                yield return $"out.aux_outputs.{l}.{field}";
    }
}
