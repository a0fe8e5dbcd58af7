using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Models.Voc;

/// <summary>
/// SOC++ frame/video query fusion, per decoder layer: BMRW refines the layer's video queries with its T·Q frame
/// queries (<see cref="BmrwOp"/>), then query_fusion (post-norm cross-attention, 8 heads, no positions) lets every
/// frame query attend to the refined video queries. hs [L, T, Q, d], video [L, Q, d] → [L, T·Q, d].
/// </summary>
public static class VideoQueryFusion
{
    public static Value Build(GraphBuilder b, Value hs, Value video)
    {
        int layers = hs.Dim(0), t = hs.Dim(1), q = hs.Dim(2), d = hs.Dim(3);
        var frameQueries = b.Reshape(hs, "bmrw.in.y", layers, t * q, d);
        b.Tap("bmrw.in.hs_lb_tq_c", frameQueries);
        b.Tap("bmrw.in.y", frameQueries);
        b.Tap("bmrw.in.x", video);
        var refined = b.Add(new BmrwOp(), "bmrw", video, frameQueries);
        b.Tap("bmrw.out", refined);

        VocLayers.TapSequenceFirst(b, "query_fusion.in.memory", refined);
        VocLayers.TapSequenceFirst(b, "query_fusion.in.tgt", frameQueries);
        var fused = VocLayers.CrossAttention(b, frameQueries, refined, "query_fusion", ModelConfig.FusionHeads);
        VocLayers.TapSequenceFirst(b, "query_fusion.out", fused);
        b.Tap("query_fusion.out.ltbqc", b.Reshape(fused, "query_fusion.out.ltbqc", layers, t, 1, q, d));
        return fused;
    }
}
