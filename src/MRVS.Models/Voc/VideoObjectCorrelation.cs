using MRVS.Core.Graph;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Models.Voc;

/// <summary>
/// VOC (SOC) and NewVOC (SOC++), eval path with window_size 0. Frame queries F [n, T, Q, C] (n = decoder layers
/// taken: the last one for SOC, all for SOC++; B = 1, so upstream's reshape needs no reordering) are encoded over
/// all T·Q tokens jointly, then Q video queries started from the language query decode them (cross → self → FFN,
/// post-norm). SOC encodes with self-attention; NewVOC attends from F to F scaled by its per-frame score
/// (<see cref="NewVocFrameScore"/>), scored once from the encoder input and reused by every encoder layer.
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
        CheckInputs(cfg, frameQueries, languageQuery);
        int n = frameQueries.Dim(0), t = frameQueries.Dim(1), q = frameQueries.Dim(2), c = frameQueries.Dim(3);
        b.Tap($"{P}.in.language_query", languageQuery);
        b.Tap($"{P}.encode_frame_query.in", b.Permute(frameQueries, $"{P}.encode_frame_query.in", 1, 2, 0, 3));

        var x = b.Reshape(frameQueries, $"{P}.tokens", n, t * q, c);
        var scored = socpp ? NewVocFrameScore.Build(b, frameQueries, languageQuery) : null;
        for (int k = 0; k < voc.EncLayers; k++)
        {
            x = scored is null
                ? VocLayers.SelfAttention(b, x, $"{P}.enc_self_attn.{k}", voc.NHeads)
                : VocLayers.CrossAttention(b, x, scored, $"{P}.enc_self_attn.{k}", voc.NHeads);
            VocLayers.TapSequenceFirst(b, $"{P}.enc_self_attn.{k}.out", x);
            x = VocLayers.Ffn(b, x, $"{P}.enc_ffn.{k}", voc.DimFeedforward);
            VocLayers.TapSequenceFirst(b, $"{P}.enc_ffn.{k}.out", x);
        }
        b.Tap($"{P}.encode_frame_query.out", b.Permute(b.Reshape(x, $"{P}.encode_frame_query.out.view", n, t, q, c),
            $"{P}.encode_frame_query.out", 1, 2, 0, 3));

        // Decoder start: the language query (SOC++: plus video_query_embed) for every video query of every batch entry.
        var start = socpp ? b.Plus(languageQuery, b.Weight($"{P}.video_query_embed.weight", q, c),
            $"{P}.video_query_start") : languageQuery;
        var output = b.Plus(b.Constant($"{P}.zero_queries", Tensor.Zeros(DType.F32, n, q, 1)), start,
            $"{P}.decoder.start");
        // Key positions: fq_pos of the token's frame query, the same for every frame (no temporal encoding).
        var framePos = b.Reshape(b.Plus(b.Constant($"{P}.zero_frames", Tensor.Zeros(DType.F32, t, 1, 1)),
            b.Weight($"{P}.fq_pos.weight", q, c), $"{P}.fq_pos.frames"),
            $"{P}.fq_pos.tokens", 1, t * q, c);
        var queryPos = b.Weight($"{P}.query_embed.weight", q, c);
        for (int i = 0; i < voc.DecLayers; i++)
        {
            output = VocLayers.CrossAttention(b, output, x, $"{P}.transformer_cross_attention_layers.{i}", voc.NHeads,
                queryPos, framePos);
            VocLayers.TapSequenceFirst(b, $"{P}.transformer_cross_attention_layers.{i}.out", output);
            output = VocLayers.SelfAttention(b, output, $"{P}.transformer_self_attention_layers.{i}", voc.NHeads,
                queryPos);
            VocLayers.TapSequenceFirst(b, $"{P}.transformer_self_attention_layers.{i}.out", output);
            output = VocLayers.Ffn(b, output, $"{P}.transformer_ffn_layers.{i}", voc.DimFeedforward);
            VocLayers.TapSequenceFirst(b, $"{P}.transformer_ffn_layers.{i}.out", output);
        }
        var normed = b.LayerNorm(output, $"{P}.decoder_norm");
        VocLayers.TapSequenceFirst(b, $"{P}.decoder_norm.out", normed);
        b.Tap($"{P}.out", b.Reshape(normed, $"{P}.out", n, 1, q, c));
        return normed;
    }

    private static void CheckInputs(ModelConfig cfg, Value frameQueries, Value languageQuery)
    {
        if (frameQueries.Shape.Length != 4)
            throw new ShapeException($"VOC: frame queries are {frameQueries.Type}, expected [layers, T, queries, " +
                $"d_model]");
        int q = frameQueries.Dim(2), c = frameQueries.Dim(3);
        if (languageQuery.Shape.Length != 2 || languageQuery.Dim(0) != 1 || languageQuery.Dim(1) != c)
            throw new ShapeException($"VOC: language query is {languageQuery.Type}, expected [1, {c}] (one sentence " +
                $"of the frame queries' width)");
        // Video queries and frame queries must coincide: SOC adds them to the frame queries, NewVOC's score FFNs are
        // num_queries·d wide.
        if (cfg.Voc.NumQueries != q)
            throw new ShapeException($"VOC: num_queries {cfg.Voc.NumQueries} ≠ {q} frame queries per frame; the " +
                $"video queries pair with the frame queries");
    }
}
