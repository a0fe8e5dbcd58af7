using MRVS.Core.Config;
using MRVS.Models.Deformable;
using MRVS.Tests.Support;

namespace MRVS.Tests.Deformable;

public class DeformableTransformerTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void EncoderAndDecoderMatchTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        var b = f.Builder;
        var sources = Enumerable.Range(0, 4).Select(l => f.Feed($"transformer.in.src.{l}")).ToArray();
        var masks = Enumerable.Range(0, 4).Select(l => f.Feed($"transformer.in.mask.{l}")).ToArray();
        var pos = Enumerable.Range(0, 4).Select(l => f.Feed($"transformer.in.pos.{l}")).ToArray();
        int t = sources[0].Dim(0), q = b.Config.Transformer.NumQueries, d = b.Config.Transformer.DModel;
        var target = b.Config.Family == ModelFamily.SocPlusPlus ? f.Feed("transformer.in.tgt", t, q, d) : null;
        DeformableTransformer.Build(b, sources, masks, pos, target);
        var compared = f.RunAndCompare();
        Assert.That(compared, Does.Contain("transformer.memory").And.Contain("transformer.hs").And.Contain("transformer.inter_references"));
    }
}
