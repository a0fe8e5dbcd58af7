using MRVS.Core.Graph.Ops;
using MRVS.Core.Numerics;
using MRVS.Core.Tensors;

namespace MRVS.Models.PostProcessing;

/// <summary>
/// The post-processing of the official inference scripts (<c>infer_refytb.py</c>, <c>infer_mevis.py</c>,
/// <c>infer_davis.py</c>), B = 1, on the host: the referred query as the backend decided it
/// (<see cref="ReferredQueryOp"/>, the scripts' rule: highest mean sigmoid score over the clip's frames), its mask
/// logits resized bilinearly (align_corners = False) straight to the original frame size, then sigmoid. Unlike
/// <c>models/postprocessing.py</c> (the referred_mask op) there is no detour through the padded input size and no
/// nearest resize. Ref-YouTube-VOS and MeViS threshold the probabilities at 0.5; Ref-DAVIS keeps them to merge the
/// objects of one annotator.
/// </summary>
public static class InferScriptPostProcess
{
    /// <param name="decision">[1 + Q + T] the backend's decision of the referred query.</param>
    /// <param name="predMasks">[T, 1, Q, h, w] mask logits.</param>
    /// <returns>Probabilities [T, H, W] at the original size.</returns>
    public static float[] Probabilities(Tensor decision, Tensor predMasks, (int H, int W) original)
    {
        int t = predMasks.Shape[0], q = predMasks.Shape[2], h = predMasks.Shape[3], w = predMasks.Shape[4];
        int query = ReferredQueryOp.Query(decision.Span<float>());
        var selected = new float[(long)t * h * w];
        var masks = predMasks.Span<float>();
        for (int ti = 0; ti < t; ti++) masks.Slice((ti * q + query) * h * w, h * w).CopyTo(selected.AsSpan(ti * h * w));
        var probabilities = new float[(long)t * original.H * original.W];
        Resize.Bilinear(selected, probabilities, t, h, w, original.H, original.W, alignCorners: false);
        for (int i = 0; i < probabilities.Length; i++) probabilities[i] = ScalarActivations.Sigmoid(probabilities[i]);
        return probabilities;
    }

    /// <summary>The binary masks of Ref-YouTube-VOS / MeViS: probability &gt; 0.5.</summary>
    public static byte[] Threshold(ReadOnlySpan<float> probabilities)
    {
        var mask = new byte[probabilities.Length];
        for (int i = 0; i < mask.Length; i++) mask[i] = (byte)(probabilities[i] > 0.5f ? 1 : 0);
        return mask;
    }
}
