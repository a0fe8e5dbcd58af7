using MRVS.Core.Config;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Text;

namespace MRVS.Models.Fusion;

/// <summary>
/// What the deformable transformer and VOC receive from the fusion stage: four levels of fused visual features
/// [T, d, h, w] with masks and 2-D position encodings, the sentence feature (mean of the last lvf output over valid
/// tokens), VOC's language query, and SOC++'s decoder target (pooled proxies, [T, Q, d]; null for SOC).
/// </summary>
public sealed record FusionOutput(Value[] Sources, Value[] Masks, Value[] Pos, Value SentenceFeature, Value LanguageQuery, Value? DecoderTarget);

/// <summary>
/// input_proj (1×1 conv + GroupNorm(32) on Swin stages 1–3; 3×3 stride-2 conv + GroupNorm(32) on the raw stage 3 for
/// the extra level), vision-language fusion of every visual token with the words (vlf), and the language side:
/// SOC's lvf per level (text attending to the visual tokens), or SOC++'s proxy queries (v2p per level, then lvf over
/// the proxies).
/// </summary>
public static class VisionLanguageFusion
{
    public static FusionOutput Build(GraphBuilder b, Value[] features, Value[] masks, Value pixelMask, TextFeatures text)
    {
        var cfg = b.Config;
        int d = cfg.Transformer.DModel, t = features[0].Dim(0), q = cfg.Transformer.NumQueries;
        bool socpp = cfg.Family == ModelFamily.SocPlusPlus;
        var sources = new Value[4];
        var levelMasks = new Value[4];
        var pos = new Value[4];
        Value? proxies = null, lang = null;
        if (socpp)
        {
            proxies = b.Reshape(b.Weight("proxy_embed.weight", cfg.NumProxyQueries, d), "proxy_embeds.sequence", 1, cfg.NumProxyQueries, d);
            b.Tap("proxy_embeds.init", SequenceFirst(b, proxies, "proxy_embeds.init"));
        }
        for (int l = 0; l < 3; l++)
        {
            var src = b.Add(new GroupNormOp(32, 1e-5f), $"input_proj.{l}.1",
                Conv(b, features[l + 1], $"input_proj.{l}.0", d, kernel: 1, stride: 1), b.Weight($"input_proj.{l}.1.weight", d), b.Weight($"input_proj.{l}.1.bias", d));
            b.Tap($"input_proj.{l}.out", src);
            levelMasks[l] = masks[l + 1];
            pos[l] = PositionEncoding(b, levelMasks[l], $"backbone.pos.{l + 1}");
            var visual = Tokens(b, src, $"input_proj.{l}.tokens");
            var visualMask = b.Reshape(levelMasks[l], $"input_proj.{l}.mask_tokens", 1, (int)levelMasks[l].Type.Elements);
            var fused = MultimodalFusion.Build(b, "vlf", $"vlf.{l}", visual, text.Memory, text.Pos, text.PaddingMask);
            sources[l] = Map(b, fused, src, $"transformer.in.src.{l}");
            if (!socpp)
            {
                lang = MultimodalFusion.Build(b, "lvf", $"lvf.{l}", text.Memory, visual, Tokens(b, pos[l], $"lvf.{l}.pos_tokens"), visualMask);
                b.Tap($"lvf.{l}.out", SequenceFirst(b, lang, $"lvf.{l}.out"));
                continue;
            }
            var update = MultimodalFusion.Build(b, "v2p", $"v2p.{l}", proxies!, fused, fused, visualMask);
            b.Tap($"v2p.{l}.out", SequenceFirst(b, update, $"v2p.{l}.out"));
            proxies = b.Plus(proxies!, update, $"proxy_embeds.after_level{l}");
            b.Tap($"proxy_embeds.after_level{l}", SequenceFirst(b, proxies, $"proxy_embeds.after_level{l}"));
        }
        if (socpp)
        {
            lang = MultimodalFusion.Build(b, "lvf", "lvf", text.Memory, proxies!, null, null);
            b.Tap("lvf.out", SequenceFirst(b, lang, "lvf.out"));
        }

        var extra = b.Add(new GroupNormOp(32, 1e-5f), "input_proj.3.1",
            Conv(b, features[3], "input_proj.3.0", d, kernel: 3, stride: 2), b.Weight("input_proj.3.1.weight", d), b.Weight("input_proj.3.1.bias", d));
        b.Tap("input_proj.3.out", extra);
        levelMasks[3] = b.Add(new InterpolateOp(InterpolationMode.Nearest, extra.Dim(2), extra.Dim(3)), "extra_level.mask", pixelMask);
        pos[3] = PositionEncoding(b, levelMasks[3], "extra_level.pos");
        sources[3] = Map(b, MultimodalFusion.Build(b, "vlf", "vlf.3", Tokens(b, extra, "input_proj.3.tokens"), text.Memory, text.Pos, text.PaddingMask), extra, "transformer.in.src.3");
        for (int l = 0; l < 4; l++)
        {
            b.Tap($"transformer.in.src.{l}", sources[l]);
            b.Tap($"transformer.in.mask.{l}", levelMasks[l]);
            b.Tap($"transformer.in.pos.{l}", pos[l]);
        }

        var sentence = MaskedMean(b, lang!, text.PaddingMask, "out.text_sentence_feature");
        b.Tap("out.text_sentence_feature", sentence);
        Value? target = null;
        if (socpp)
        {
            int np = cfg.NumProxyQueries;
            var pooled = b.Add(new MatMulOp(), "proxy_embeds.pooled", b.Constant("proxy_embeds.mean_weights", Enumerable.Repeat(1f / np, np).ToArray(), 1, np),
                b.Reshape(proxies!, "proxy_embeds.rows", np, d));
            target = b.Plus(b.Constant("proxy_embeds.zero_target", Tensor.Zeros(DType.F32, t, q, 1)), pooled, "proxy_embeds.target");
        }
        var languageQuery = socpp ? sentence : text.Sentence;
        b.Tap("voc.in.language_query", languageQuery);
        return new FusionOutput(sources, levelMasks, pos, sentence, languageQuery, target);
    }

    private static Value Conv(GraphBuilder b, Value x, string prefix, int outChannels, int kernel, int stride)
    {
        var w = b.Weight($"{prefix}.weight", outChannels, x.Dim(1), kernel, kernel);
        return b.Add(new Conv2dOp(stride, kernel / 2), prefix, x, w, b.Weight($"{prefix}.bias", outChannels));
    }

    /// <summary>The Joiner's PositionEmbeddingSine2D(d/2, normalize = True) of a level mask → [T, d, h, w].</summary>
    private static Value PositionEncoding(GraphBuilder b, Value mask, string name) =>
        b.Add(new SinePositionEncodingOp(b.Config.Transformer.DModel / 2, twoDimensional: true), name, mask);

    /// <summary>[T, d, h, w] → one sequence of visual tokens [1, T·h·w, d] ('(b t) c h w → (t h w) b c').</summary>
    private static Value Tokens(GraphBuilder b, Value x, string name)
    {
        var cl = b.Permute(x, name, 0, 2, 3, 1);
        return b.Reshape(cl, $"{name}.sequence", 1, (int)(x.Type.Elements / x.Dim(1)), x.Dim(1));
    }

    /// <summary>Tokens [1, T·h·w, d] back to the layout of <paramref name="like"/> [T, d, h, w].</summary>
    private static Value Map(GraphBuilder b, Value tokens, Value like, string name)
    {
        var cl = b.Reshape(tokens, $"{name}.channels_last", like.Dim(0), like.Dim(2), like.Dim(3), like.Dim(1));
        return b.Permute(cl, name, 0, 3, 1, 2);
    }

    private static Value SequenceFirst(GraphBuilder b, Value x, string name) => b.Reshape(x, name, x.Dim(1), 1, x.Dim(2));

    /// <summary>Mean over the unpadded positions of x [1, L, d] → [1, d], as weights (1 − mask) / count applied by matmuls.</summary>
    private static Value MaskedMean(GraphBuilder b, Value x, Value paddingMask, string name)
    {
        int len = x.Dim(1);
        var valid = b.Scale(b.Add(new CastOp(DType.F32), $"{name}.padding", paddingMask), -1f, $"{name}.valid", beta: 1f);
        var sum = b.Add(new MatMulOp(), $"{name}.sum", valid, b.Reshape(x, $"{name}.rows", len, x.Dim(2)));
        var count = b.Add(new MatMulOp(), $"{name}.count", valid, b.Constant($"{name}.ones", Enumerable.Repeat(1f, len).ToArray(), len, 1));
        return b.Binary(BinaryKind.Div, sum, count, name);
    }
}
