using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Models.Deformable;

/// <summary>Encoder memory [T, S, d] (and its first three levels as [T, d, h, w] for the FPN), decoder states per
/// layer, reference points.</summary>
public sealed record DeformableOutput(Value Memory, Value[] MemoryLevels, Value Hs, Value InitReference,
    Value InterReferences);

/// <summary>
/// The Deformable-DETR transformer with iterative box refinement (<c>transformer.*</c>), per frame (frames are the
/// batch): flatten the four levels, encoder (MSDeformAttn self-attention + FFN, post-norm), decoder (self-attention
/// over the queries of a frame, MSDeformAttn cross-attention, FFN; reference boxes refined by bbox_embed after every
/// layer, turning 2-d points into 4-d boxes after layer 0). SOC++'s splitting of clips longer than 64 frames into
/// chunks changes nothing numerically (every op is per frame), so it is not reproduced.
/// </summary>
public static class DeformableTransformer
{
    private const string P = "transformer";

    /// <param name="target">Decoder input [T, Q, d]; null for zeros (SOC).</param>
    public static DeformableOutput Build(GraphBuilder b, Value[] sources, Value[] masks, Value[] pos, Value? target)
    {
        CheckInputs(b.Config.Transformer, sources, masks, pos, target);
        var cfg = b.Config.Transformer;
        int t = sources[0].Dim(0), d = cfg.DModel, levels = sources.Length, q = cfg.NumQueries;
        var shapes = sources.Select(s => new[] { s.Dim(2), s.Dim(3) }).ToArray();
        int s = shapes.Sum(x => x[0] * x[1]);

        var src = b.Concat(1, $"{P}.src_flatten", sources.Select((x, l) => Flatten(b, x,
            $"{P}.src_flatten.{l}")).ToArray());
        var levelPos = pos.Select((x, l) => b.Plus(Flatten(b, x, $"{P}.pos_flatten.{l}"),
            b.WeightRows($"{P}.level_embed", [levels, d], l, 1), $"{P}.lvl_pos_embed.{l}")).ToArray();
        var posFlat = b.Concat(1, $"{P}.lvl_pos_embed_flatten", levelPos);
        var padding = b.Concat(1, $"{P}.encoder.in.padding_mask", masks.Select((m, l) => b.Reshape(m,
            $"{P}.mask_flatten.{l}", t, m.Dim(1) * m.Dim(2))).ToArray());
        var keep = b.Reshape(b.Scale(b.Add(new CastOp(DType.F32), $"{P}.padding_f32", padding), -1f, $"{P}.keep",
            beta: 1f), $"{P}.keep.column", t, s, 1);
        var validRatios = b.Concat(1, $"{P}.encoder.in.valid_ratios",
            masks.Select((m, l) => b.Reshape(b.Add(new ValidRatioOp(), $"{P}.valid_ratio.{l}", m),
                $"{P}.valid_ratio.{l}.view", t, 1, 2)).ToArray());
        b.Tap($"{P}.encoder.in.spatial_shapes", b.Constant($"{P}.spatial_shapes",
            Tensor.FromSpan<long>(shapes.SelectMany(x => new long[] { x[0], x[1] }).ToArray(), levels, 2)));
        var starts = MsDeformAttnOp.LevelStarts(shapes).Select(x => (long)x).ToArray();
        b.Tap($"{P}.encoder.in.level_start_index", b.Constant($"{P}.level_start_index", Tensor.FromSpan<long>(starts,
            levels)));
        b.Tap($"{P}.encoder.in.padding_mask", padding);
        b.Tap($"{P}.encoder.in.valid_ratios", validRatios);

        var encoderRef = b.Add(new DeformableReferencePointsOp(shapes), $"{P}.encoder.reference_points", validRatios);
        b.Tap($"{P}.encoder.reference_points", encoderRef);
        var memory = src;
        for (int i = 0; i < cfg.EncLayers; i++)
        {
            string l = $"{P}.encoder.layers.{i}";
            var attn = MsDeformAttention.Build(b, $"{l}.self_attn", b.Plus(memory, posFlat, $"{l}.query"), encoderRef,
                memory, keep, shapes, cfg.EncPoints);
            b.Tap($"{l}.self_attn.out", attn.Output);
            memory = b.LayerNorm(attn.Output, $"{l}.norm1", residual: memory);
            memory = Ffn(b, memory, l, "norm2");
            b.Tap($"{l}.out", memory);
        }
        b.Tap($"{P}.memory", memory);

        var (hs, init, inter) = Decoder(b, memory, keep, validRatios, shapes, target, t, q);
        var memoryLevels = new Value[levels - 1];
        for (int l = 0, start = 0; l < levels - 1; start += shapes[l][0] * shapes[l][1], l++)
        {
            var rows = b.Slice(memory, 1, start, shapes[l][0] * shapes[l][1], $"{P}.memory.level{l}");
            memoryLevels[l] = b.Permute(b.Reshape(rows, $"{P}.memory.level{l}.hw", t, shapes[l][0], shapes[l][1], d),
                $"{P}.memory.level{l}.chw", 0, 3, 1, 2);
        }
        return new DeformableOutput(memory, memoryLevels, hs, init, inter);
    }

    private static void CheckInputs(DeformableConfig cfg, Value[] sources, Value[] masks, Value[] pos, Value? target)
    {
        int levels = cfg.NumFeatureLevels;
        if (sources.Length != levels || masks.Length != levels || pos.Length != levels)
            throw new ShapeException($"{P}: {sources.Length} sources, {masks.Length} masks and {pos.Length} position " +
                $"encodings for num_feature_levels = {levels}");
        if (cfg.DModel % cfg.NHeads != 0) throw new ShapeException($"{P}: d_model {cfg.DModel} is not a multiple of " +
            $"nheads {cfg.NHeads}");
        int t = sources[0].Dim(0);
        for (int l = 0; l < levels; l++)
        {
            var (src, mask, p) = (sources[l], masks[l], pos[l]);
            if (src.DType != DType.F32 || src.Rank != 4 || src.Dim(0) != t || src.Dim(1) != cfg.DModel)
                throw new ShapeException($"{P}: source of level {l} is {src.Type}, expected F32[{t}, {cfg.DModel}, " +
                    $"h, w] (frames, d_model, height, width)");
            int h = src.Dim(2), w = src.Dim(3);
            if (mask.DType != DType.Bool || !mask.Shape.AsSpan().SequenceEqual([t, h, w]))
                throw new ShapeException($"{P}: mask of level {l} is {mask.Type}, expected Bool[{t}, {h}, {w}] like " +
                    $"its source");
            if (!p.Type.Equals(src.Type)) throw new ShapeException($"{P}: position encoding of level {l} is " +
                $"{p.Type}, expected {src.Type} like its source");
        }
        if (target is not null && (target.DType != DType.F32 || !target.Shape.AsSpan().SequenceEqual([t, cfg.NumQueries,
            cfg.DModel])))
            throw new ShapeException($"{P}: decoder target is {target.Type}, expected F32[{t}, {cfg.NumQueries}, " +
                $"{cfg.DModel}] (frames, num_queries, d_model)");
    }

    private static (Value Hs, Value Init, Value Inter) Decoder(GraphBuilder b, Value memory, Value keep,
        Value validRatios, int[][] shapes, Value? target, int t, int q)
    {
        var cfg = b.Config.Transformer;
        int d = cfg.DModel, levels = shapes.Length;
        var queryEmbed = b.Weight("query_embed.weight", q, d);
        b.Tap($"{P}.in.query_embed", queryEmbed);
        var zeros = b.Constant($"{P}.decoder.zero_target", Tensor.Zeros(DType.F32, t, q, d));
        var queryPos = b.Plus(zeros, queryEmbed, $"{P}.decoder.in.query_pos");
        var tgt = target ?? zeros;
        b.Tap($"{P}.decoder.in.query_pos", queryPos);
        b.Tap($"{P}.decoder.in.tgt", tgt);
        b.Tap($"{P}.in.tgt", b.Reshape(tgt, $"{P}.in.tgt", 1, t, q, d));
        var reference = b.Linear(queryPos, $"{P}.reference_points", 2, Core.Graph.Ops.Activation.Sigmoid);
        var init = reference;
        b.Tap($"{P}.decoder.in.reference_points", init);
        b.Tap($"{P}.init_reference", init);
        var ratios4 = b.Concat(2, $"{P}.decoder.valid_ratios4", validRatios, validRatios);
        var states = new Value[cfg.DecLayers];
        var refs = new Value[cfg.DecLayers];
        for (int i = 0; i < cfg.DecLayers; i++)
        {
            string l = $"{P}.decoder.layers.{i}";
            int rd = reference.Dim(-1);
            var refIn = b.Times(b.Reshape(reference, $"{l}.reference.view", t, q, 1, rd),
                b.Reshape(rd == 2 ? validRatios : ratios4, $"{l}.valid_ratios.view", t, 1, levels, rd),
                    $"{l}.in.reference_points");
            b.Tap($"{l}.in.reference_points", refIn);

            var qk = b.Plus(tgt, queryPos, $"{l}.self_attn.query");
            var self = b.MultiheadAttention(qk, qk, tgt, $"{l}.self_attn", cfg.NHeads);
            tgt = b.LayerNorm(self, $"{l}.norm2", residual: tgt);
            var cross = MsDeformAttention.Build(b, $"{l}.cross_attn", b.Plus(tgt, queryPos, $"{l}.cross_attn.query"),
                refIn, memory, keep, shapes, cfg.DecPoints);
            b.Tap($"{l}.cross_attn.out", cross.Output);
            var (weights, locations) = MsDeformAttention.UpstreamSampling(b, $"{l}.cross_attn", cross, refIn, shapes,
                cfg.DecPoints);
            b.Tap($"{l}.cross_attn.attention_weights", weights);
            b.Tap($"{l}.cross_attn.sampling_locations", locations);
            tgt = b.LayerNorm(cross.Output, $"{l}.norm1", residual: tgt);
            tgt = Ffn(b, tgt, l, "norm3");
            b.Tap($"{l}.out", tgt);
            states[i] = b.Reshape(tgt, $"{l}.state", 1, t, q, d);

            var delta = BoxMlp(b, tgt, i, $"{P}.decoder.bbox_embed.{i}");
            b.Tap($"{P}.decoder.bbox_embed.{i}.out", delta);
            var prior = b.Unary(UnaryKind.InverseSigmoid, reference, $"{l}.reference.logit");
            if (rd == 2) prior = b.Concat(2, $"{l}.reference.logit4", prior, b.Constant($"{l}.zero_wh",
                Tensor.Zeros(DType.F32, t, q, 2)));
            reference = b.Unary(UnaryKind.Sigmoid, b.Plus(delta, prior, $"{l}.refined.logit"), $"{l}.refined");
            refs[i] = b.Reshape(reference, $"{l}.refined.view", 1, t, q, 4);
        }
        var hs = b.Reshape(b.Concat(0, $"{P}.hs", states), $"{P}.hs.view", cfg.DecLayers, t, q, d);
        var inter = b.Reshape(b.Concat(0, $"{P}.inter_references", refs), $"{P}.inter_references.view", cfg.DecLayers,
            t, q, 4);
        b.Tap($"{P}.hs", hs);
        b.Tap($"{P}.inter_references", inter);
        return (hs, init, inter);
    }

    /// <summary>bbox_embed[i]: MLP d → d → d → 4 with ReLU, shared with the prediction heads (the decoder's keys
    /// are aliases).</summary>
    public static Value BoxMlp(GraphBuilder b, Value x, int layer, string name)
    {
        int d = b.Config.Transformer.DModel;
        string key = $"bbox_embed.{layer}.layers";
        for (int k = 0; k < 3; k++) b.Weights.Alias($"{P}.decoder.bbox_embed.{layer}.layers.{k}.weight",
            $"{key}.{k}.weight");
        for (int k = 0; k < 3; k++) b.Weights.Alias($"{P}.decoder.bbox_embed.{layer}.layers.{k}.bias",
            $"{key}.{k}.bias");
        var h = b.Linear(x, b.Weight($"{key}.0.weight", d, d), b.Weight($"{key}.0.bias", d), $"{name}.0",
            Core.Graph.Ops.Activation.Relu);
        h = b.Linear(h, b.Weight($"{key}.1.weight", d, d), b.Weight($"{key}.1.bias", d), $"{name}.1",
            Core.Graph.Ops.Activation.Relu);
        return b.Linear(h, b.Weight($"{key}.2.weight", 4, d), b.Weight($"{key}.2.bias", 4), $"{name}.2");
    }

    private static Value Flatten(GraphBuilder b, Value x, string name) =>
        b.Reshape(b.Permute(x, name, 0, 2, 3, 1), $"{name}.tokens", x.Dim(0), x.Dim(2) * x.Dim(3), x.Dim(1));

    private static Value Ffn(GraphBuilder b, Value x, string layer, string norm)
    {
        var h = b.Linear(x, $"{layer}.linear1", b.Config.Transformer.DimFeedforward, Core.Graph.Ops.Activation.Relu);
        return b.LayerNorm(b.Linear(h, $"{layer}.linear2", x.Dim(-1)), $"{layer}.{norm}", residual: x);
    }
}
