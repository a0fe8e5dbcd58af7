using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.IO;
using MRVS.Core.Tensors;
using MRVS.Models.PostProcessing;
using MRVS.Tests.Support;
using static MRVS.Tests.Support.OpRunner;

namespace MRVS.Tests.Masks;

/// <summary>The post-processing op (upsample, threshold, crop, nearest resize of the decided query) against the
/// official post-processing of the fixtures.</summary>
public class ReferredMaskOpTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void GivesTheOfficialFinalMasks(string fixture)
    {
        using var inputs = SafeTensorsFile.Open(Fixtures.File(fixture, "inputs.safetensors"));
        using var outputs = SafeTensorsFile.Open(Fixtures.File(fixture, "outputs.safetensors"));
        using var post = SafeTensorsFile.Open(Fixtures.File(fixture, "postprocess.safetensors"));
        (int, int) Size(string name) { var s = inputs.Get(name).Span<long>(); return ((int)s[0], (int)s[1]); }
        var (padded, resized, original) = (Size("post.in.samples_shape_with_padding"),
            Size("post.in.resized_frame_size"), Size("post.in.original_frame_size"));
        var (cls, masks) = (outputs.Get("out.pred_cls"), outputs.Get("out.pred_masks"));

        var decision = Run(new ReferredQueryOp(), cls);
        var actual = Run(new ReferredMaskOp(padded, resized, original), decision, masks);

        var host = ReferYoutubeVosPostProcess.Run(cls, masks, decision, padded, resized, original);
        TensorAssert.Equal(actual, host["post.video0.pred_masks"], "the host post-processing");
        var expected = post.Get("post.video0.pred_masks").Span<byte>();
        long differing = 0;
        for (int i = 0; i < expected.Length; i++) if (actual.Span<byte>()[i] != expected[i]) differing++;
        Assert.That(differing, Is.LessThanOrEqualTo(post.Get("post.num_ambiguous_pixels").Span<long>()[0]),
            "pixels differing from the official masks beyond those at the threshold");
    }

    [Test]
    public void ShapesAreCheckedAtBuild()
    {
        var g = new ComputeGraph();
        var decision = g.Add(new ReferredQueryOp(), "decision", g.Input("cls", DType.F32, 2, 1, 5, 1));
        var masks = g.Input("masks", DType.F32, 2, 1, 4, 8, 8);
        var e = Assert.Throws<ShapeException>(() => g.Add(new ReferredMaskOp((32, 32), (16, 16), (20, 20)), "post",
            decision, masks))!;
        Assert.That(e.Message, Does.Contain("expected F32[7]").And.Contain("4 queries of 2 frames"));
    }
}
