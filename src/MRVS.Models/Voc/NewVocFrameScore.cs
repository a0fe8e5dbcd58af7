using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Models.Building;

namespace MRVS.Models.Voc;

/// <summary>
/// NewVOC's scored memory: the frame queries weighted by their frame's score s = visibility + language match + 0.5 ·
/// temporal variance, each a sigmoid in (0, 1). Visibility and variance are FFNs over the whole frame (Q·C wide,
/// query-major); the language match is the mean cosine of the frame queries with the sentence, read back in
/// upstream's scrambled row order (<see cref="LanguageMatchScoreOp"/>). The sum and the weighting are one
/// <see cref="FrameScoreAggregationOp"/>. Taps use upstream's [T, n, 1]; the result is the token sequence [n, T·Q, C].
/// </summary>
public static class NewVocFrameScore
{
    private const string P = "voc";

    public static Value Build(GraphBuilder b, Value frameQueries, Value languageQuery)
    {
        int n = frameQueries.Dim(0), t = frameQueries.Dim(1), q = frameQueries.Dim(2), c = frameQueries.Dim(3);
        var timeMajor = b.Permute(frameQueries, $"{P}.frame_query.time_major", 1, 0, 2, 3);
        var frames = b.Reshape(timeMajor, $"{P}.frame_query.frames", t, n, q * c);

        var visibility = ScoreHead(b, frames, $"{P}.score_embd");
        b.Tap($"{P}.score_embd.out", visibility);
        var match = b.Add(new LanguageMatchScoreOp(), $"{P}.frame_score_match", timeMajor, languageQuery);
        b.Tap($"{P}.frame_score_match", match);
        var change = b.Binary(BinaryKind.Sub, frames, b.Add(new CumulativeMeanOp(), $"{P}.frame_query.running_mean",
            frames), $"{P}.frame_query.change");
        var variance = ScoreHead(b, change, $"{P}.diff_embd");
        b.Tap($"{P}.diff_embd.out", variance);

        // s itself only feeds the voc.frame_score tap: the schedule leaves these nodes out unless that tap is asked
        // for.
        b.Tap($"{P}.frame_score", b.Plus(b.Plus(visibility, match, $"{P}.frame_score.vis_match"),
            b.Scale(variance, FrameScoreAggregationOp.VarianceWeight, $"{P}.frame_score.weighted_variance"),
                $"{P}.frame_score"));
        return b.Add(new FrameScoreAggregationOp(), $"{P}.scored", frameQueries, visibility, match, variance);
    }

    /// <summary>score_embd / diff_embd: FFNLayer over the Q·C-wide frame vector, then Linear to 1 and
    /// sigmoid.</summary>
    private static Value ScoreHead(GraphBuilder b, Value x, string prefix)
    {
        var h = VocLayers.Ffn(b, x, $"{prefix}.0", b.Config.Voc.DimFeedforward);
        return b.Linear(h, $"{prefix}.1", 1, Activation.Sigmoid);
    }
}
