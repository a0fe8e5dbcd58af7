using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Backbone;
using MRVS.Models.Building;
using MRVS.Models.Config;
using MRVS.Models.Deformable;
using MRVS.Models.Fusion;
using MRVS.Models.Heads;
using MRVS.Models.Masks;
using MRVS.Models.Text;

namespace MRVS.Models;

/// <summary>The static sizes one forward is built for (B = 1): frames, padded frame size, text length, unpadded frame
/// size.</summary>
public sealed record ForwardShape(int Frames, int Height, int Width, int TextLength, int ImageHeight, int ImageWidth)
{
    public int MaskHeight => (Height + 3) / 4;
    public int MaskWidth => (Width + 3) / 4;

    /// <summary>The smallest input the model builds for: enough to bind and check every weight.</summary>
    public static ForwardShape WeightBinding { get; } = new(1, 64, 64, 2, 64, 64);
}

/// <summary>
/// SOC / SOC++ as one graph, module by module in the order of the official eval forward. Inputs carry the
/// fixtures' names: <c>samples.tensors</c> F32 [T, 1, 3, H, W] and <c>text.input_ids</c> I64 [1, L]; the fixtures'
/// <c>samples.mask</c> and <c>text.attention_mask</c> are constants (no padding with B = 1). Every intermediate the
/// fixtures hold is a tap; the executor computes only what the requested outputs need.
/// </summary>
public static class SocModel
{
    public const string Frames = "samples.tensors", PixelMask = "samples.mask", InputIds = "text.input_ids",
        AttentionMask = "text.attention_mask";
    public const string PredMasks = "out.pred_masks", PredCls = "out.pred_cls";

    /// <summary>F32 [1 + Q + T]: the clip's referred query, decided once on the backend (<see
    /// cref="ReferredQueryOp"/>).</summary>
    public const string ReferredQuery = "out.referred_query";

    /// <summary>U8 [T, 1, H, W] binary masks of the referred object at the original frame size (when built with
    /// one).</summary>
    public const string ReferredMasks = "out.referred_masks";

    /// <param name="originalSize">The frames' size before the eval resize: adds <see cref="ReferredMasks"/>, the
    /// Ref-YouTube-VOS post-processing of the <see cref="ReferredQuery"/> on the device, so only the decision and the
    /// final masks leave it.</param>
    /// <param name="validFrame">Keep only this frame after the backbone, as the official forward's valid_indices do
    /// for A2D-Sentences / JHMDB-Sentences (the window's annotated frame): the heads then see one frame.</param>
    public static ComputeGraph Build(ModelConfig config, WeightStore weights, ForwardShape shape,
        (int H, int W)? originalSize = null, int? validFrame = null)
    {
        var b = new GraphBuilder(config, weights);
        var g = b.Graph;
        var (t, h, w) = (shape.Frames, shape.Height, shape.Width);
        if (t < 1 || h < 4
            || w < 4) throw new ShapeException($"input: {t} frames of {h}×{w} pixels; need at least 1 frame of 4×4");
        if (shape.TextLength < 2) throw new ShapeException($"text: {shape.TextLength} tokens; need at least <s> and " +
            $"</s>");

        var frames = b.Reshape(g.Input(Frames, DType.F32, t, 1, 3, h, w), "samples.tensors.frames", t, 3, h, w);
        var ids = g.Input(InputIds, DType.I64, 1, shape.TextLength);
        // One video and one sentence (B = 1): nothing is padding, so the masks are constants and what they determine
        // (positional encodings, valid ratios, reference points) is folded out of the forward.
        var pixelMask = b.Constant(PixelMask, Tensor.Zeros(DType.Bool, t, h, w));
        var attention = b.Constant(AttentionMask,
            Tensor.FromSpan<long>(Enumerable.Repeat(1L, shape.TextLength).ToArray(), 1, shape.TextLength));

        var backbone = VideoSwinTransformer.Build(b, frames, pixelMask);
        if (validFrame is { } v)
        {
            if (v < 0 || v >= t) throw new ShapeException($"valid frame {v} is outside the {t} input frames");
            Value Keep(Value x, string name) => b.Slice(x, 0, v, 1, $"valid_frame.{name}");
            backbone = new BackboneOutput(backbone.Features.Select((f, i) => Keep(f, $"features.{i}")).ToArray(),
                backbone.Masks.Select((m, i) => Keep(m, $"masks.{i}")).ToArray());
            pixelMask = Keep(pixelMask, "samples.mask");
        }
        var encoded = RobertaEncoder.Build(b, ids, attention);
        var text = TextFeatures.Build(b, encoded, attention);
        var fusion = VisionLanguageFusion.Build(b, backbone.Features, backbone.Masks, pixelMask, text);
        var transformer = DeformableTransformer.Build(b, fusion.Sources, fusion.Masks, fusion.Pos,
            fusion.DecoderTarget);
        var heads = SegmentationHeads.Build(b, transformer.Hs, transformer.InitReference, transformer.InterReferences,
            fusion.LanguageQuery, fusion.SentenceFeature);
        var maskFeatures = FpnSpatialDecoder.Build(b, transformer.MemoryLevels, backbone.Features[0]);

        int layers = heads.ControllerParams.Length;
        for (int l = 0; l < layers; l++)
        {
            var masks = MaskHead.Build(b, l, maskFeatures, heads.ControllerParams[l], heads.MaskReferences[l],
                shape.ImageHeight, shape.ImageWidth);
            if (l == heads.OutputLayer)
            {
                b.Tap(PredMasks, masks);
                var decision = b.Add(new ReferredQueryOp(), ReferredQuery, g.Taps[PredCls]);
                b.Tap(ReferredQuery, decision);
                if (originalSize is { } original)
                {
                    var referred = new ReferredMaskOp((h, w), (shape.ImageHeight, shape.ImageWidth), original);
                    b.Tap(ReferredMasks, b.Add(referred, ReferredMasks, decision, masks));
                }
            }
            else if (config.Family == ModelFamily.SocPlusPlus) b.Tap($"out.aux_outputs.{l}.pred_masks", masks);
        }
        weights.ThrowIfProblems();
        return g;
    }
}
