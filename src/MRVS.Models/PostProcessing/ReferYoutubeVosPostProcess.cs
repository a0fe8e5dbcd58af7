using MRVS.Core.Graph.Ops;
using MRVS.Core.Numerics;
using MRVS.Core.Tensors;

namespace MRVS.Models.PostProcessing;

/// <summary>
/// The Ref-YouTube-VOS / MeViS post-processing of the infer scripts (B = 1), on the host, from the backend's decision
/// of the referred query (<see cref="ReferredQueryOp"/>): its mask logits resized bilinearly (align_corners = False)
/// to the padded input size; threshold sigmoid &gt; 0.5; crop the padding; resize with nearest to the original frame
/// size. Returns every step under its fixture name (post.*), the decision's among them.
/// </summary>
public static class ReferYoutubeVosPostProcess
{
    /// <summary>Pixels whose upsampled logit is this close to 0 may flip with float32 rounding (counted, not
    /// changed).</summary>
    public const float AmbiguousLogit = 1e-4f;

    /// <param name="predCls">[T, 1, Q, K] class logits.</param>
    /// <param name="predMasks">[T, 1, Q, h4, w4] mask logits.</param>
    /// <param name="decision">[1 + Q + T] the referred query as the backend decided it.</param>
    public static IReadOnlyDictionary<string, Tensor> Run(Tensor predCls, Tensor predMasks, Tensor decision, (int H,
        int W) padded,
        (int H, int W) resized, (int H, int W) original)
    {
        int t = predCls.Shape[0], q = predCls.Shape[2], k = predCls.Shape[3], h4 = predMasks.Shape[3], w4 =
            predMasks.Shape[4];
        var cls = predCls.Span<float>();
        var prob = Tensor.Zeros(DType.F32, 1, q, k);
        var p = prob.Span<float>();
        for (int ti = 0; ti < t; ti++)
            for (int i = 0; i < q * k; i++) p[i] += ScalarActivations.Sigmoid(cls[ti * q * k + i]);
        for (int i = 0; i < q * k; i++) p[i] /= t;
        int selected = ReferredQueryOp.Query(decision.Span<float>());
        var scores = ReferredQueryOp.ClipScores(decision.Span<float>(), t);
        float second = float.NegativeInfinity;
        for (int qi = 0; qi < q; qi++) if (qi != selected) second = MathF.Max(second, scores[qi]);

        var selectedLogits = Tensor.Zeros(DType.F32, 1, t, h4, w4);
        var masks = predMasks.Span<float>();
        for (int ti = 0; ti < t; ti++)
            masks.Slice((ti * q + selected) * h4 * w4, h4 * w4).CopyTo(selectedLogits.Span<float>().Slice(ti * h4 * w4,
                h4 * w4));

        var upsampled = Tensor.Zeros(DType.F32, 1, t, padded.H, padded.W);
        Resize.Bilinear(selectedLogits.Span<float>(), upsampled.Span<float>(), t, h4, w4, padded.H, padded.W,
            alignCorners: false);
        var up = upsampled.Span<float>();
        var binary = Tensor.Zeros(DType.Bool, 1, t, padded.H, padded.W);
        var bin = binary.Span<byte>();
        long ambiguous = 0;
        for (int i = 0; i < up.Length; i++)
        {
            bin[i] = (byte)(ScalarActivations.Sigmoid(up[i]) > 0.5f ? 1 : 0);
            if (MathF.Abs(up[i]) < AmbiguousLogit) ambiguous++;
        }

        var cropped = Tensor.Zeros(DType.F32, t, 1, resized.H, resized.W);
        var final = Tensor.Zeros(DType.U8, t, 1, original.H, original.W);
        var cr = cropped.Span<float>();
        var fin = final.Span<byte>();
        for (int ti = 0; ti < t; ti++)
        {
            for (int y = 0; y < resized.H; y++)
                for (int x = 0; x < resized.W; x++)
                    cr[(ti * resized.H + y) * resized.W + x] = bin[(ti * padded.H + y) * padded.W + x];
            for (int y = 0; y < original.H; y++)
            {
                int sy = Resize.NearestSource(y, resized.H, original.H);
                for (int x = 0; x < original.W; x++)
                    fin[(ti * original.H + y) * original.W + x] = (byte)cr[(ti * resized.H + sy) * resized.W +
                        Resize.NearestSource(x, resized.W, original.W)];
            }
        }

        return new Dictionary<string, Tensor>
        {
            ["post.prob_is_referred"] = prob,
            ["post.max_scores"] = Tensor.FromSpan(scores, 1, q),
            ["post.pred_trajectory_indices"] = Tensor.FromSpan<long>([selected], 1),
            ["post.selected_score"] = Tensor.FromSpan<float>([scores[selected]], 1),
            ["post.score_margin"] = Tensor.FromSpan<float>([q > 1 ? scores[selected] - second : 0f], 1),
            ["post.selected_logits"] = selectedLogits,
            ["post.upsampled_logits"] = upsampled,
            ["post.masks_padded"] = binary,
            ["post.num_ambiguous_pixels"] = Tensor.FromSpan<long>([ambiguous]),
            ["post.video0.nearest_in"] = cropped,
            ["post.video0.pred_masks"] = final,
            ["post.video0.resized_frame_size"] = Tensor.FromSpan<long>([resized.H, resized.W], 2),
            ["post.video0.original_frame_size"] = Tensor.FromSpan<long>([original.H, original.W], 2),
        };
    }
}
