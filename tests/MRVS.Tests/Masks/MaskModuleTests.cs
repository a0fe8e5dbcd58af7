using MRVS.Core.Graph.Ops;
using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Models.Masks;
using MRVS.Models.PostProcessing;
using MRVS.Tests.Support;

namespace MRVS.Tests.Masks;

public class MaskModuleTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.FullDetail))]
    public void FpnAndDynamicMaskHeadsMatchTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        var b = f.Builder;
        var x = f.Feed("spatial_decoder.in.x");
        var s16 = f.Feed("spatial_decoder.in.layer_features.0");
        var s8 = f.Feed("spatial_decoder.in.layer_features.1");
        var s4 = f.Feed("spatial_decoder.in.layer_features.2");
        var features = FpnSpatialDecoder.Build(b, [s8, s16, x], s4);
        using var size = f.Inputs.Get("targets.size");
        var (imgH, imgW) = ((int)size.Span<long>()[0], (int)size.Span<long>()[1]);
        int t = x.Dim(0);
        for (int l = 0; l < b.Config.Transformer.DecLayers; l++)
        {
            if (!f.Outputs.Contains($"controller.{l}.out")) continue;
            var q = b.Config.Transformer.NumQueries;
            var prm = f.Feed($"controller.{l}.out", t, q, b.Config.NumDynamicParams);
            var refp = f.Feed($"mask_head.{l}.reference_points", t, q, 2);
            MaskHead.Build(b, l, features, prm, refp, imgH, imgW);
        }
        var compared = f.RunAndCompare();
        Assert.That(compared, Does.Contain("spatial_decoder.out").And.Contain("mask_features"));
        Assert.That(compared,
            Does.Contain("mask_head.0.features_in").And.Contain("mask_head.2.dyn_weight.0")
                .And.Contain("mask_head.locations"));
    }

    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void PostProcessingMatchesTheFixture(string fixture)
    {
        using var outputs = SafeTensorsFile.Open(Fixtures.File(fixture, "outputs.safetensors"));
        using var inputs = SafeTensorsFile.Open(Fixtures.File(fixture, "inputs.safetensors"));
        using var post = SafeTensorsFile.Open(Fixtures.File(fixture, "postprocess.safetensors"));
        (int, int) Size(string n)
        {
            using var s = inputs.Get(n); var v = s.Span<long>(); return ((int)v[^2],
            (int)v[^1]);
        }
        var decision = OpRunner.Run(new ReferredQueryOp(), outputs.Get("out.pred_cls"));
        var result = ReferYoutubeVosPostProcess.Run(outputs.Get("out.pred_cls"), outputs.Get("out.pred_masks"),
            decision,
            Size("post.in.samples_shape_with_padding"), Size("post.in.resized_frame_size"),
                Size("post.in.original_frame_size"));
        foreach (var info in post.Tensors)
        {
            using var expected = post.Get(info.Name);
            Assert.That(result.ContainsKey(info.Name), $"{info.Name} not produced");
            if (expected.DType.IsFloat()) TensorAssert.Close(result[info.Name], expected, info.Name);
            else TensorAssert.Equal(result[info.Name], expected, info.Name);
        }
    }
}
