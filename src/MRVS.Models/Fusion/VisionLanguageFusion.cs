using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Models.Text;

namespace MRVS.Models.Fusion;

/// <summary>
/// What the deformable transformer and VOC receive from the fusion stage: four levels of fused visual features
/// [T, d, h, w] with masks Bool [T, h, w] and 2-D position encodings [T, d, h, w], the sentence feature [1, d] (mean
/// of the last lvf output over valid tokens), VOC's language query [1, d] (SOC: the pooled sentence; SOC++: the
/// sentence feature), and SOC++'s decoder target [T, Q, d] (the pooled proxies; null for SOC, whose target is zeros).
/// </summary>
public sealed record FusionOutput(Value[] Sources, Value[] Masks, Value[] Pos, Value SentenceFeature,
    Value LanguageQuery, Value? DecoderTarget);

/// <summary>
/// input_proj (1×1 conv + GroupNorm(32) on Swin stages 1–3; 3×3 stride-2 conv + GroupNorm(32) on the raw stage 3
/// for the extra level), fusion of every visual token with the words (vlf) at all four levels, and the language side:
/// SOC's lvf per projected level (the words attending to the pre-fusion visual tokens), or SOC++'s proxies
/// (<see cref="ProxyFusion"/>). Visual tokens of all frames form one sequence [1, T·h·w, d] ('(b t) c h w → (t h w)
/// b c').
/// </summary>
public static class VisionLanguageFusion
{
    /// <summary>Stages 1..3 of the backbone projected, plus one extra stride-2 level.</summary>
    public const int Levels = 4;

    private const int GroupNormGroups = 32;

    /// <param name="features">The 4 Swin stage outputs [T, C_s, h_s, w_s] (stage 0 is not used here).</param>
    /// <param name="masks">Their masks Bool [T, h_s, w_s] (True = padding).</param>
    /// <param name="pixelMask">The input mask Bool [T, H, W], resized for the extra level.</param>
    public static FusionOutput Build(GraphBuilder b, Value[] features, Value[] masks, Value pixelMask,
        TextFeatures text)
    {
        CheckInputs(b.Config, features, masks, pixelMask, text);
        int projected = Levels - 1;
        var sources = new Value[Levels];
        var levelMasks = new Value[Levels];
        var pos = new Value[Levels];
        var visual = new Value[projected];
        var fused = new Value[projected];
        var tokenMasks = new Value[projected];
        for (int l = 0; l < Levels; l++)
        {
            bool extra = l == projected;
            var src = extra
                ? InputProjection(b, l, features[^1], kernel: 3, stride: 2)
                : InputProjection(b, l, features[l + 1], kernel: 1, stride: 1);
            levelMasks[l] = extra
                ? b.Add(new InterpolateOp(InterpolationMode.Nearest, src.Dim(2), src.Dim(3)), "extra_level.mask",
                    pixelMask)
                : masks[l + 1];
            pos[l] = PositionEncoding(b, levelMasks[l], extra ? "extra_level.pos" : $"backbone.pos.{l + 1}");
            var tokens = Tokens(b, src, $"input_proj.{l}.tokens");
            var fusedTokens = MultimodalFusion.Build(b, "vlf", $"vlf.{l}", tokens, text.Memory, text.Pos,
                text.PaddingMask);
            sources[l] = FromTokens(b, fusedTokens, src, $"transformer.in.src.{l}");
            b.Tap($"transformer.in.src.{l}", sources[l]);
            b.Tap($"transformer.in.mask.{l}", levelMasks[l]);
            b.Tap($"transformer.in.pos.{l}", pos[l]);
            if (extra) continue;
            visual[l] = tokens;
            fused[l] = fusedTokens;
            tokenMasks[l] = b.Reshape(levelMasks[l], $"input_proj.{l}.token_mask", 1, (int)levelMasks[l].Type.Elements);
        }

        Value language;
        Value? target = null;
        if (b.Config.Family == ModelFamily.SocPlusPlus)
            (language, target) = ProxyFusion.Build(b, fused, tokenMasks, text, features[0].Dim(0));
        else
            language = WordsOverVisualTokens(b, visual, tokenMasks, pos, text);
        var sentence = SequenceMean.Build(b, language, text.PaddingMask, "out.text_sentence_feature");
        b.Tap("out.text_sentence_feature", sentence);
        var languageQuery = target is null ? text.Sentence : sentence;
        b.Tap("voc.in.language_query", languageQuery);
        return new FusionOutput(sources, levelMasks, pos, sentence, languageQuery, target);
    }

    /// <summary>input_proj[l]: Conv2d (k×k, stride s, padding k/2, bias) then GroupNorm(32, d).</summary>
    private static Value InputProjection(GraphBuilder b, int level, Value x, int kernel, int stride)
    {
        int d = b.Config.Transformer.DModel;
        string p = $"input_proj.{level}";
        var w = b.Weight($"{p}.0.weight", d, x.Dim(1), kernel, kernel);
        var conv = b.Add(new Conv2dOp(stride, kernel / 2), $"{p}.0", x, w, b.Weight($"{p}.0.bias", d));
        var y = b.Add(new GroupNormOp(GroupNormGroups, 1e-5f), $"{p}.1", conv, b.Weight($"{p}.1.weight", d),
            b.Weight($"{p}.1.bias", d));
        b.Tap($"{p}.out", y);
        return y;
    }

    /// <summary>
    /// SOC: lvf at every projected level, the words attending to that level's pre-fusion tokens (key + 2-D PE,
    /// padded pixels masked). Each level starts from the projected words again, so only the last result is used.
    /// </summary>
    private static Value WordsOverVisualTokens(GraphBuilder b, Value[] visual, Value[] tokenMasks, Value[] pos,
        TextFeatures text)
    {
        Value language = text.Memory;
        for (int l = 0; l < visual.Length; l++)
        {
            language = MultimodalFusion.Build(b, "lvf", $"lvf.{l}", text.Memory, visual[l], Tokens(b, pos[l],
                $"lvf.{l}.pos_tokens"), tokenMasks[l]);
            b.Tap($"lvf.{l}.out", MultimodalFusion.SequenceFirst(b, language, $"lvf.{l}.out"));
        }
        return language;
    }

    /// <summary>The Joiner's PositionEmbeddingSine2D(d/2, normalize = True) of a level mask → [T, d, h, w].</summary>
    private static Value PositionEncoding(GraphBuilder b, Value mask, string name) =>
        b.Add(new SinePositionEncodingOp(b.Config.Transformer.DModel / 2, twoDimensional: true), name, mask);

    /// <summary>[T, d, h, w] → one sequence of visual tokens [1, T·h·w, d].</summary>
    private static Value Tokens(GraphBuilder b, Value x, string name)
    {
        var channelsLast = b.Permute(x, name, 0, 2, 3, 1);
        return b.Reshape(channelsLast, $"{name}.sequence", 1, (int)(x.Type.Elements / x.Dim(1)), x.Dim(1));
    }

    /// <summary>Tokens [1, T·h·w, d] back to the layout of <paramref name="like"/> [T, d, h, w].</summary>
    private static Value FromTokens(GraphBuilder b, Value tokens, Value like, string name)
    {
        var channelsLast = b.Reshape(tokens, $"{name}.channels_last", like.Dim(0), like.Dim(2), like.Dim(3),
            like.Dim(1));
        return b.Permute(channelsLast, name, 0, 3, 1, 2);
    }

    private static void CheckInputs(ModelConfig cfg, Value[] features, Value[] masks, Value pixelMask,
        TextFeatures text)
    {
        const string P = "vision-language fusion";
        int d = cfg.Transformer.DModel;
        if (cfg.Transformer.NumFeatureLevels != Levels)
            throw new ShapeException($"{P}: num_feature_levels = {cfg.Transformer.NumFeatureLevels}, but the fusion " +
                $"stage builds {Levels} levels (Swin stages 1–3 and one extra)");
        if (d % GroupNormGroups != 0 || d % 2 != 0 || d % ModelConfig.FusionHeads != 0)
            throw new ShapeException($"{P}: d_model {d} must split into {GroupNormGroups} groups, " +
                $"{ModelConfig.FusionHeads} heads and two sine halves");
        if (features.Length != Levels || masks.Length != Levels)
            throw new ShapeException($"{P}: {features.Length} backbone outputs and {masks.Length} masks, expected " +
                $"the {Levels} Swin stages");
        if (pixelMask.DType != DType.Bool || pixelMask.Rank != 3)
            throw new ShapeException($"{P}: pixel mask is {pixelMask.Type}, expected Bool[T, H, W]");
        int t = pixelMask.Dim(0);
        for (int s = 0; s < Levels; s++)
        {
            var (f, m) = (features[s], masks[s]);
            if (f.DType != DType.F32 || f.Rank != 4 || f.Dim(0) != t)
                throw new ShapeException($"{P}: Swin stage {s} output is {f.Type}, expected F32[{t}, C, h, w] for " +
                    $"{t} frames");
            if (m.DType != DType.Bool || !m.Shape.AsSpan().SequenceEqual([t, f.Dim(2), f.Dim(3)]))
                throw new ShapeException($"{P}: mask of Swin stage {s} is {m.Type}, expected Bool[{t}, {f.Dim(2)}, " +
                    $"{f.Dim(3)}] like its output");
        }
        var memory = text.Memory;
        if (memory.DType != DType.F32 || memory.Rank != 3 || memory.Dim(0) != 1 || memory.Dim(2) != d)
            throw new ShapeException($"{P}: word features are {memory.Type}, expected F32[1, L, {d}] (one sentence, " +
                $"d_model)");
        int len = memory.Dim(1);
        if (!text.Pos.Type.Equals(memory.Type))
            throw new ShapeException($"{P}: word position encoding is {text.Pos.Type}, expected {memory.Type} like " +
                $"the word features");
        if (text.PaddingMask.DType != DType.Bool || !text.PaddingMask.Shape.AsSpan().SequenceEqual([1, len]))
            throw new ShapeException($"{P}: word padding mask is {text.PaddingMask.Type}, expected Bool[1, {len}]");
        if (text.Sentence.DType != DType.F32 || !text.Sentence.Shape.AsSpan().SequenceEqual([1, d]))
            throw new ShapeException($"{P}: sentence feature is {text.Sentence.Type}, expected F32[1, {d}]");
    }
}
