using MRVS.Core.Config;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Building;

namespace MRVS.Models.Voc;

/// <summary>
/// VOC (SOC) and NewVOC (SOC++), eval path with window_size 0. Frame queries F [n, T, Q, C] (n = decoder layers
/// taken: the last one for SOC, all for SOC++; B = 1, so upstream's reshape needs no reordering) are encoded over
/// all T·Q tokens jointly, then Q video queries started from the language query decode them. SOC encodes with
/// self-attention; NewVOC attends from F to a copy of F scaled by a per-frame score (visibility + language match
/// (with upstream's scrambled order) + 0.5 · temporal variance), computed once from the encoder input.
/// Returns the video queries [n, Q, C].
/// </summary>
public static class VideoObjectCorrelation
{
    private const string P = "voc";

    public static Value Build(GraphBuilder b, Value frameQueries, Value languageQuery)
    {
        var cfg = b.Config;
        var voc = cfg.Voc;
        bool socpp = cfg.Family == ModelFamily.SocPlusPlus;
        int n = frameQueries.Dim(0), t = frameQueries.Dim(1), q = frameQueries.Dim(2), c = frameQueries.Dim(3);
        b.Tap($"{P}.encode_frame_query.in", b.Permute(frameQueries, $"{P}.encode_frame_query.in", 1, 2, 0, 3));

        var x = b.Reshape(frameQueries, $"{P}.tokens", n, t * q, c);
        Value? scored = socpp ? b.Reshape(b.Times(b.Reshape(frameQueries, $"{P}.scored.input", n, t, q, c),
            FrameScore(b, frameQueries, languageQuery), $"{P}.scored"), $"{P}.scored.tokens", n, t * q, c) : null;
        for (int k = 0; k < voc.EncLayers; k++)
        {
            x = scored is null
                ? VocLayers.SelfAttention(b, x, $"{P}.enc_self_attn.{k}", voc.NHeads)
                : VocLayers.CrossAttention(b, x, scored, $"{P}.enc_self_attn.{k}", voc.NHeads);
            VocLayers.TapSequenceFirst(b, $"{P}.enc_self_attn.{k}.out", x);
            x = VocLayers.Ffn(b, x, $"{P}.enc_ffn.{k}", voc.DimFeedforward);
            VocLayers.TapSequenceFirst(b, $"{P}.enc_ffn.{k}.out", x);
        }
        b.Tap($"{P}.encode_frame_query.out", b.Permute(b.Reshape(x, $"{P}.encode_frame_query.out.view", n, t, q, c), $"{P}.encode_frame_query.out", 1, 2, 0, 3));

        var zeros = b.Constant($"{P}.zero_queries", Tensor.Zeros(DType.F32, n, q, 1));
        var start = socpp ? b.Plus(languageQuery, b.Weight($"{P}.video_query_embed.weight", q, c), $"{P}.video_query_start") : languageQuery;
        var output = b.Plus(zeros, start, $"{P}.decoder.start");
        var framePos = b.Reshape(b.Plus(b.Constant($"{P}.zero_frames", Tensor.Zeros(DType.F32, t, 1, 1)), b.Weight($"{P}.fq_pos.weight", q, c), $"{P}.fq_pos.frames"), $"{P}.fq_pos.tokens", 1, t * q, c);
        var queryPos = b.Weight($"{P}.query_embed.weight", q, c);
        for (int i = 0; i < voc.DecLayers; i++)
        {
            output = VocLayers.CrossAttention(b, output, x, $"{P}.transformer_cross_attention_layers.{i}", voc.NHeads, queryPos, framePos);
            VocLayers.TapSequenceFirst(b, $"{P}.transformer_cross_attention_layers.{i}.out", output);
            output = VocLayers.SelfAttention(b, output, $"{P}.transformer_self_attention_layers.{i}", voc.NHeads, queryPos);
            VocLayers.TapSequenceFirst(b, $"{P}.transformer_self_attention_layers.{i}.out", output);
            output = VocLayers.Ffn(b, output, $"{P}.transformer_ffn_layers.{i}", voc.DimFeedforward);
            VocLayers.TapSequenceFirst(b, $"{P}.transformer_ffn_layers.{i}.out", output);
        }
        var normed = b.LayerNorm(output, $"{P}.decoder_norm");
        VocLayers.TapSequenceFirst(b, $"{P}.decoder_norm.out", normed);
        b.Tap($"{P}.out", b.Reshape(normed, $"{P}.out", n, 1, q, c));
        return normed;
    }

    /// <summary>NewVOC's per-frame score [n, T, 1, 1] (as a multiplier of F [n, T, Q, C]); taps use upstream's [T, n, 1].</summary>
    private static Value FrameScore(GraphBuilder b, Value frameQueries, Value languageQuery)
    {
        int n = frameQueries.Dim(0), t = frameQueries.Dim(1), q = frameQueries.Dim(2), c = frameQueries.Dim(3);
        var timeMajor = b.Permute(frameQueries, $"{P}.frame_query.time_major", 1, 0, 2, 3);
        var flat = b.Reshape(timeMajor, $"{P}.frame_query.flat", t, n, q * c);
        var visibility = ScoreHead(b, flat, $"{P}.score_embd");
        b.Tap($"{P}.score_embd.out", visibility);
        var match = b.Add(new LanguageMatchScoreOp(), $"{P}.frame_score_match", timeMajor, languageQuery);
        b.Tap($"{P}.frame_score_match", match);
        var variation = b.Binary(BinaryKind.Sub, flat, b.Add(new CumulativeMeanOp(), $"{P}.frame_query.running_mean", flat), $"{P}.frame_query.variation");
        var variance = ScoreHead(b, variation, $"{P}.diff_embd");
        b.Tap($"{P}.diff_embd.out", variance);
        var score = b.Plus(b.Plus(visibility, match, $"{P}.frame_score.vis_match"), b.Scale(variance, 0.5f, $"{P}.frame_score.half_variance"), $"{P}.frame_score");
        b.Tap($"{P}.frame_score", score);
        return b.Reshape(b.Permute(score, $"{P}.frame_score.layer_major", 1, 0, 2), $"{P}.frame_score.multiplier", n, t, 1, 1);
    }

    /// <summary>score_embd / diff_embd: FFNLayer over the Q·C-wide frame vector, Linear to 1, sigmoid.</summary>
    private static Value ScoreHead(GraphBuilder b, Value x, string prefix)
    {
        var h = VocLayers.Ffn(b, x, $"{prefix}.0", b.Config.Voc.DimFeedforward);
        return b.Linear(h, $"{prefix}.1", 1, Activation.Sigmoid);
    }
}
