using MRVS.Core.Tensors;
using MRVS.Pipeline.Verification;

namespace MRVS.Tests.Support;

/// <summary>
/// The DAVIS region similarity J of one frame (davis2017 <c>db_eval_iou</c>): |A ∩ B| / |A ∪ B| of two binary
/// masks, 1 when both are empty, which is <c>mrvs verify</c>'s mask IoU. The one place to swap for the score
/// library of <c>mrvs score</c> once it exists.
/// </summary>
public static class RegionSimilarity
{
    /// <param name="reference">Row-major; non-zero is foreground.</param>
    /// <param name="predicted">Same size; non-zero is foreground.</param>
    public static double Of(ReadOnlySpan<byte> reference, ReadOnlySpan<byte> predicted)
    {
        using var a = Tensor.FromSpan(predicted, predicted.Length);
        using var b = Tensor.FromSpan(reference, reference.Length);
        return FixtureVerifier.MaskIou(a, b);
    }
}
