using MRVS.Models.Heads;
using MRVS.Tests.Support;

namespace MRVS.Tests.Heads;

public class HeadsModuleTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void VocAndPredictionHeadsMatchTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        SegmentationHeads.Build(f.Builder, f.Feed("transformer.hs"), f.Feed("transformer.init_reference"), f.Feed("transformer.inter_references"),
            f.Feed("voc.in.language_query"), f.Feed("out.text_sentence_feature"));
        var compared = f.RunAndCompare();
        Assert.That(compared, Does.Contain("voc.out").And.Contain("out.pred_cls").And.Contain("out.pred_boxes").And.Contain("out.num_aux_outputs"));
    }
}
