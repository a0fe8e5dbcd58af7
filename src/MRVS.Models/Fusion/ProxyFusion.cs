using MRVS.Core.Graph;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Text;

namespace MRVS.Models.Fusion;

/// <summary>The words after lvf over the proxies [1, L, d], and the decoder target [T, Q, d] (the pooled
/// proxies).</summary>
public sealed record ProxyFusionOutput(Value Language, Value DecoderTarget);

/// <summary>
/// SOC++'s proxy-assisted fusion (use_proxymmf): learned proxies gather the clip level by level,
/// P ← P + v2p(P, fused_l) with the fused tokens as their own positional term (key 2·fused_l), then the words attend
/// to the final proxies (lvf, no pos, no mask). The decoder starts from the mean proxy for every frame and query.
/// </summary>
public static class ProxyFusion
{
    /// <param name="fusedTokens">Per projected level (0..2): the vlf output as one sequence [1, T·h·w, d].</param>
    /// <param name="tokenMasks">Per projected level: Bool [1, T·h·w], True = padded pixel.</param>
    public static ProxyFusionOutput Build(GraphBuilder b, Value[] fusedTokens, Value[] tokenMasks, TextFeatures text,
        int frames)
    {
        var cfg = b.Config;
        int d = cfg.Transformer.DModel, np = cfg.NumProxyQueries, q = cfg.Transformer.NumQueries;
        var proxies = b.Reshape(b.Weight("proxy_embed.weight", np, d), "proxy_embeds.sequence", 1, np, d);
        b.Tap("proxy_embeds.init", MultimodalFusion.SequenceFirst(b, proxies, "proxy_embeds.init"));
        for (int l = 0; l < fusedTokens.Length; l++)
        {
            var update = MultimodalFusion.Build(b, "v2p", $"v2p.{l}", proxies, fusedTokens[l], fusedTokens[l],
                tokenMasks[l]);
            b.Tap($"v2p.{l}.out", MultimodalFusion.SequenceFirst(b, update, $"v2p.{l}.out"));
            proxies = b.Plus(proxies, update, $"proxy_embeds.after_level{l}");
            b.Tap($"proxy_embeds.after_level{l}", MultimodalFusion.SequenceFirst(b, proxies,
                $"proxy_embeds.after_level{l}"));
        }
        var language = MultimodalFusion.Build(b, "lvf", "lvf", text.Memory, proxies, null, null);
        b.Tap("lvf.out", MultimodalFusion.SequenceFirst(b, language, "lvf.out"));

        // zeros [T, Q, 1] + mean proxy [1, d], upstream's zeros_like(query_embed) + pooled proxies.
        var pooled = SequenceMean.Build(b, proxies, null, "proxy_embeds.pooled");
        var target = b.Plus(b.Constant("proxy_embeds.zero_target", Tensor.Zeros(DType.F32, frames, q, 1)), pooled,
            "proxy_embeds.target");
        b.Tap("transformer.in.tgt", b.Reshape(target, "transformer.in.tgt", 1, frames, q, d));
        return new ProxyFusionOutput(language, target);
    }
}
