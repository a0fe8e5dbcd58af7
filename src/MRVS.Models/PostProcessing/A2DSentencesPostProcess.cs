using MRVS.Core.Numerics;
using MRVS.Core.Tensors;

namespace MRVS.Models.PostProcessing;

/// <summary>
/// <c>A2DSentencesPostProcess</c> of <c>models/postprocessing.py</c>, which the trainer's A2D-Sentences and
/// JHMDB-Sentences evaluation uses, for one annotated frame: every query is a prediction, scored sigmoid of its
/// first class logit, its mask logits resized bilinearly (align_corners = False) to the padded input, thresholded
/// at sigmoid &gt; 0.5, cropped to the resized frame and resized with legacy nearest to the original size.
/// </summary>
public static class A2DSentencesPostProcess
{
    /// <param name="predCls">[1, 1, Q, K] class logits of the annotated frame.</param>
    /// <param name="predMasks">[1, 1, Q, h, w] its mask logits.</param>
    /// <returns>Per query: its score and its binary mask [H, W] at the original size.</returns>
    public static (float[] Scores, byte[][] Masks) Run(Tensor predCls, Tensor predMasks, (int H, int W) padded,
        (int H, int W) resized, (int H, int W) original)
    {
        int q = predCls.Shape[2], k = predCls.Shape[3], h = predMasks.Shape[3], w = predMasks.Shape[4];
        if (predCls.Shape[0] != 1 || predMasks.Shape[0] != 1)
            throw new ArgumentException($"expected the outputs of one annotated frame, got {predCls.Shape[0]} frames");
        var cls = predCls.Span<float>();
        var scores = new float[q];
        for (int i = 0; i < q; i++) scores[i] = ScalarActivations.Sigmoid(cls[i * k]);
        var up = new float[(long)q * padded.H * padded.W];
        Resize.Bilinear(predMasks.Span<float>(), up, q, h, w, padded.H, padded.W, alignCorners: false);
        var masks = new byte[q][];
        for (int i = 0; i < q; i++)
        {
            var m = masks[i] = new byte[original.H * original.W];
            for (int y = 0; y < original.H; y++)
            {
                int sy = Resize.NearestSource(y, resized.H, original.H);
                for (int x = 0; x < original.W; x++)
                {
                    int sx = Resize.NearestSource(x, resized.W, original.W);
                    float logit = up[((long)i * padded.H + sy) * padded.W + sx];
                    m[y * original.W + x] = (byte)(ScalarActivations.Sigmoid(logit) > 0.5f ? 1 : 0);
                }
            }
        }
        return (scores, masks);
    }
}
