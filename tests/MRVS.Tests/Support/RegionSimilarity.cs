namespace MRVS.Tests.Support;

/// <summary>
/// The DAVIS region similarity J of one frame (davis2017 <c>db_eval_iou</c>): |A ∩ B| / |A ∪ B| of two binary
/// masks, 1 when both are empty. The one place to swap for the score library of <c>mrvs score</c> once it exists.
/// </summary>
public static class RegionSimilarity
{
    /// <param name="reference">Row-major; non-zero is foreground.</param>
    /// <param name="predicted">Same size; non-zero is foreground.</param>
    public static double Of(ReadOnlySpan<byte> reference, ReadOnlySpan<byte> predicted)
    {
        if (reference.Length != predicted.Length)
            throw new ArgumentException($"masks of {reference.Length} and {predicted.Length} pixels differ in size");
        long intersection = 0, union = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            bool a = reference[i] != 0, b = predicted[i] != 0;
            if (a && b) intersection++;
            if (a || b) union++;
        }
        return union == 0 ? 1 : (double)intersection / union;
    }
}
