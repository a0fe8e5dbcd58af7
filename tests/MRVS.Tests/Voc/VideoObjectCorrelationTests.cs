using MRVS.Core.Execution;
using MRVS.Models.Config;
using MRVS.Models.Voc;
using MRVS.Tests.Support;

namespace MRVS.Tests.Voc;

/// <summary>VOC / NewVOC alone, fed with the fixtures' decoder states and language query.</summary>
public class VideoObjectCorrelationTests
{
    [TestCaseSource(typeof(Fixtures), nameof(Fixtures.Models))]
    public void VocMatchesTheFixture(string fixture)
    {
        using var f = new FixtureGraph(fixture);
        var b = f.Builder;
        bool socpp = b.Config.Family == ModelFamily.SocPlusPlus;
        var hs = f.Feed("transformer.hs");
        // Eval: SOC keeps the last decoder layer only.
        var frameQueries = socpp ? hs : b.Slice(hs, 0, hs.Dim(0) - 1, 1, "last_layer");
        var video = VideoObjectCorrelation.Build(b, frameQueries, f.Feed("voc.in.language_query"));
        Assert.That(video.Shape, Is.EqualTo(new[] { socpp ? hs.Dim(0) : 1, hs.Dim(2), hs.Dim(3) }));
        var compared = f.RunAndCompare();
        Assert.That(compared, Does.Contain("voc.out").And.Contain("voc.encode_frame_query.out"));
        if (socpp)
            Assert.That(compared,
                Is.SupersetOf(new[] { "voc.score_embd.out", "voc.diff_embd.out", "voc.frame_score_match",
                    "voc.frame_score" }));
    }

    /// <summary>
    /// NewVOC scores its memory in one fused op; the score s itself is computed only when its tap is asked for.
    /// </summary>
    [Test]
    public void FrameScoreNodesRunOnlyForTheirTap()
    {
        using var f = new FixtureGraph("socpp-tiny");
        var b = f.Builder;
        VideoObjectCorrelation.Build(b, f.Feed("transformer.hs"), f.Feed("voc.in.language_query"));
        IEnumerable<string> Scheduled(params string[] taps) =>
            MemoryPlanner.Plan(b.Graph, taps.Select(t => b.Graph.Taps[t]).ToList()).Schedule.Select(n => n.Name);
        Assert.That(Scheduled("voc.out"), Does.Contain("voc.scored").And.Not.Contain("voc.frame_score"));
        Assert.That(Scheduled("voc.out", "voc.frame_score"), Does.Contain("voc.scored").And.Contain("voc.frame_score"));
        Assert.That(b.Graph.Nodes.Single(n => n.Name == "voc.scored").Op.Kind, Is.EqualTo("frame_score_aggregation"));
    }

    /// <summary>
    /// The fixture's match term, recomputed in float64 from its inputs with upstream's scrambled order (row
    /// i = l′·T + t′ of the (t, l) ordering feeds output (t′, l′)), and shown to differ from the unscrambled
    /// one.
    /// </summary>
    [Test]
    public void FixtureMatchScoreUsesTheScrambledRowOrder()
    {
        using var f = new FixtureGraph("socpp-tiny");
        using var hsT = f.Outputs.Get("transformer.hs");
        using var langT = f.Outputs.Get("voc.in.language_query");
        using var matchT = f.Outputs.Get("voc.frame_score_match");
        var hs = hsT.ToDoubleArray();
        var lang = langT.ToDoubleArray();
        var match = matchT.ToDoubleArray();
        int layers = hsT.Shape[0], t = hsT.Shape[1], q = hsT.Shape[2], c = hsT.Shape[3];

        double Score(int frame, int layer)
        {
            double gn = Math.Sqrt(lang.Sum(v => v * v)), sum = 0;
            for (int qi = 0; qi < q; qi++)
            {
                int off = ((layer * t + frame) * q + qi) * c;
                double dot = 0, vn = 0;
                for (int k = 0; k < c; k++) { dot += hs[off + k] * lang[k]; vn += hs[off + k] * hs[off + k]; }
                sum += dot / (Math.Sqrt(vn) * gn);
            }
            return 1 / (1 + Math.Exp(-sum / q));
        }

        double scrambledErr = 0, plainErr = 0;
        for (int tp = 0; tp < t; tp++)
            for (int lp = 0; lp < layers; lp++)
            {
                int i = lp * t + tp;
                scrambledErr =
                    Math.Max(scrambledErr, Math.Abs(match[tp * layers + lp] - Score(i / layers, i % layers)));
                plainErr = Math.Max(plainErr, Math.Abs(match[tp * layers + lp] - Score(tp, lp)));
            }
        Assert.That(scrambledErr, Is.LessThan(1e-6), "scrambled order");
        Assert.That(plainErr, Is.GreaterThan(1e-4), "the plain (t, l) order must not fit");
    }
}
