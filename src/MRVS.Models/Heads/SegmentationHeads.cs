using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Models.Deformable;
using MRVS.Models.Voc;

namespace MRVS.Models.Heads;

/// <summary>Per decoder layer: the dynamic mask-head parameters [T, Q, P_dyn] and the reference (cx, cy) after that
/// layer [T, Q, 2]; and which layer is the model's output.</summary>
public sealed record HeadsOutput(int OutputLayer, Value[] ControllerParams, Value[] MaskReferences);

/// <summary>
/// Everything between the decoder states and the masks: the video-level queries (SOC: VOC on the last layer added to
/// every layer's frame queries; SOC++: NewVOC on all layers, then BMRW and query_fusion per layer), the class, box and
/// controller heads of every layer (upstream computes all), and the output dict without masks. The output is decoder
/// layer 0 in SOC (upstream zips the layers with a one-element VOC list) and the last layer in SOC++, whose earlier
/// layers become aux_outputs.
/// </summary>
public static class SegmentationHeads
{
    public static HeadsOutput Build(GraphBuilder b, Value hs, Value initReference, Value interReferences,
        Value languageQuery, Value sentenceFeature)
    {
        var cfg = b.Config;
        bool socpp = cfg.Family == ModelFamily.SocPlusPlus;
        CheckInputs(hs, initReference, interReferences, sentenceFeature);
        int layers = hs.Dim(0), t = hs.Dim(1), q = hs.Dim(2), d = hs.Dim(3);
        var ltbqc = b.Reshape(hs, "hs.ltbqc", layers, t, 1, q, d);
        b.Tap("hs.ltbqc", ltbqc);
        b.Tap("voc.in.frame_query", ltbqc);

        // Eval: SOC's VOC keeps only the last decoder layer; NewVOC keeps them all.
        var frameQueries = socpp ? hs : b.Slice(hs, 0, layers - 1, 1, "voc.in.last_layer");
        var video = VideoObjectCorrelation.Build(b, frameQueries, languageQuery);
        var fused = socpp ? VideoQueryFusion.Build(b, hs, video) : null;

        var hsVoc = new Value[layers];
        var classes = new Value[layers];
        var boxes = new Value[layers];
        var parameters = new Value[layers];
        var references = new Value[layers];
        for (int l = 0; l < layers; l++)
        {
            hsVoc[l] = fused is null
                ? b.Plus(b.Reshape(b.Slice(hs, 0, l, 1, $"hs.{l}"), $"hs.{l}.view", t, q, d), video, $"hs_voc.{l}")
                : b.Reshape(b.Slice(fused, 0, l, 1, $"hs_voc.{l}"), $"hs_voc.{l}.view", t, q, d);
            b.Tap($"class_embed.{l}.in", hsVoc[l]);
            classes[l] = b.Linear(hsVoc[l], $"class_embed.{l}", cfg.NumClasses);
            b.Tap($"class_embed.{l}.out", classes[l]);
            var delta = DeformableTransformer.BoxMlp(b, hsVoc[l], l, $"bbox_embed.{l}");
            b.Tap($"bbox_embed.{l}.out", delta);
            boxes[l] = b.Unary(UnaryKind.Sigmoid, b.Plus(delta, PriorLogits(b, l, initReference, interReferences),
                $"bbox.{l}.logits"), $"bbox.{l}");

            parameters[l] = Controller(b, hsVoc[l], l);
            int p = parameters[l].Dim(2);
            b.Tap($"controller.{l}.out", b.Reshape(parameters[l], $"controller.{l}.out", t, 1, q, p));
            b.Tap($"controller.{l}.params_b_tq_n", b.Reshape(parameters[l], $"controller.{l}.params_b_tq_n", 1, t * q,
                p));
            var after = b.Reshape(b.Slice(interReferences, 0, l, 1, $"mask_reference.{l}.layer"),
                $"mask_reference.{l}.box", t, q, 4);
            references[l] = b.Slice(after, 2, 0, 2, $"mask_reference.{l}");
        }
        b.Tap("head.hs_voc", Stack(b, hsVoc, "head.hs_voc"));
        b.Tap("head.outputs_class", Stack(b, classes, "head.outputs_class"));
        b.Tap("head.outputs_coord", Stack(b, boxes, "head.outputs_coord"));

        int output = socpp ? layers - 1 : 0;
        for (int l = 0; l <= output; l++)
        {
            string prefix = l == output ? "out" : $"out.aux_outputs.{l}";
            b.Tap($"{prefix}.pred_cls", b.Reshape(classes[l], $"{prefix}.pred_cls", t, 1, q, classes[l].Dim(2)));
            b.Tap($"{prefix}.pred_boxes", b.Reshape(boxes[l], $"{prefix}.pred_boxes", t, 1, q, 4));
            b.Tap($"{prefix}.pred_logit", b.Slice(video, 0, l, 1, $"{prefix}.pred_logit"));
            b.Tap($"{prefix}.text_sentence_feature", sentenceFeature);
        }
        b.Tap("out.num_aux_outputs", b.Constant("out.num_aux_outputs", Tensor.FromSpan<long>([output])));
        return new HeadsOutput(output, parameters, references);
    }

    private static void CheckInputs(Value hs, Value initReference, Value interReferences, Value sentenceFeature)
    {
        if (hs.Shape.Length != 4) throw new ShapeException($"heads: decoder states hs are {hs.Type}, expected " +
            $"[layers, T, queries, d_model]");
        int layers = hs.Dim(0), t = hs.Dim(1), q = hs.Dim(2), d = hs.Dim(3);
        if (!initReference.Shape.AsSpan().SequenceEqual([t, q, 2]))
            throw new ShapeException($"heads: init_reference is {initReference.Type}, expected [{t}, {q}, 2] (T, " +
                $"queries, cx cy)");
        if (!interReferences.Shape.AsSpan().SequenceEqual([layers, t, q, 4]))
            throw new ShapeException($"heads: inter_references are {interReferences.Type}, expected [{layers}, {t}, " +
                $"{q}, 4] (layers, T, queries, cx cy w h)");
        if (!sentenceFeature.Shape.AsSpan().SequenceEqual([1, d]))
            throw new ShapeException($"heads: text_sentence_feature is {sentenceFeature.Type}, expected [1, {d}]");
    }

    /// <summary>inverse_sigmoid of the reference before layer l: init_reference (2-d, offsetting only cx, cy) for l =
    /// 0, else inter_references[l − 1].</summary>
    private static Value PriorLogits(GraphBuilder b, int l, Value initReference, Value interReferences)
    {
        int t = initReference.Dim(0), q = initReference.Dim(1);
        if (l == 0)
        {
            var xy = b.Unary(UnaryKind.InverseSigmoid, initReference, "bbox.0.prior.xy");
            return b.Concat(2, "bbox.0.prior", xy, b.Constant("bbox.0.prior.zero_wh", Tensor.Zeros(DType.F32, t, q,
                2)));
        }
        var before = b.Reshape(b.Slice(interReferences, 0, l - 1, 1, $"bbox.{l}.reference"), $"bbox.{l}.reference.view",
            t, q, 4);
        return b.Unary(UnaryKind.InverseSigmoid, before, $"bbox.{l}.prior");
    }

    /// <summary>controller: MLP(d, d, P_dyn, controller_layers) with ReLU between layers.</summary>
    private static Value Controller(GraphBuilder b, Value x, int l)
    {
        int layers = b.Config.ControllerLayers, d = x.Dim(-1);
        for (int k = 0; k < layers; k++)
        {
            bool last = k == layers - 1;
            int outF = last ? b.Config.NumDynamicParams : d;
            x = b.Linear(x, b.Weight($"controller.layers.{k}.weight", outF, x.Dim(-1)),
                b.Weight($"controller.layers.{k}.bias", outF),
                $"controller.{l}.{k}", last ? Activation.None : Activation.Relu);
        }
        return x;
    }

    /// <summary>Per-layer [T, Q, n] stacked as upstream's [L, T, B = 1, Q, n].</summary>
    private static Value Stack(GraphBuilder b, Value[] perLayer, string name)
    {
        var views = perLayer.Select((v, l) => b.Reshape(v, $"{name}.{l}", [1, v.Dim(0), 1, .. v.Shape[1..]])).ToArray();
        return b.Concat(0, name, views);
    }
}
