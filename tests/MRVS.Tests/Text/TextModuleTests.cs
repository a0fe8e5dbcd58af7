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
        var encoded = RobertaEncoder.Build(f.Builder, ids, mask);
        TextFeatures.Build(f.Builder, encoded, mask);
        var compared = f.RunAndCompare();
        Assert.That(compared, Does.Contain("txt_proj.word.out").And.Contain("text_pos.out").And.Contain("txt_proj.sentence.out"));
    }
}
