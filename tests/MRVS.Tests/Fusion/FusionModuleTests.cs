using MRVS.Models.Fusion;
using MRVS.Models.Text;
using MRVS.Tests.Support;

namespace MRVS.Tests.Fusion;

public class FusionModuleTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void InputProjectionAndFusionMatchTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        var b = f.Builder;
        var mask = f.Feed("text.attention_mask");
        var text = TextFeatures.Build(b, RobertaEncoder.Build(b, f.Feed("text.input_ids"), mask), mask);
        using var frames = f.Inputs.Get("samples.tensors");
        int t = frames.Shape[0], h = frames.Shape[3], w = frames.Shape[4];
        var features = Enumerable.Range(0, 4).Select(s => f.Feed($"backbone.out.{s}")).ToArray();
        var masks = Enumerable.Range(0, 4).Select(s => f.Feed($"backbone.mask.{s}")).ToArray();
        VisionLanguageFusion.Build(b, features, masks, f.Feed("samples.mask", t, h, w), text);
        var compared = f.RunAndCompare();
        Assert.That(compared, Does.Contain("transformer.in.src.3").And.Contain("out.text_sentence_feature").And.Contain("transformer.in.pos.0"));
    }
}
