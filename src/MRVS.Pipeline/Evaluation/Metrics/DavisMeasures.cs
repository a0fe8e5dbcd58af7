namespace MRVS.Pipeline.Evaluation.Metrics;

/// <summary>
/// Region similarity J (<c>db_eval_iou</c>) and boundary F-measure (<c>db_eval_boundary</c>, bound_th 0.008) of
/// <c>davis2017/metrics.py</c>, per frame, with the official conventions: J = 1 when the union is empty; boundary
/// precision/recall 1/0, 0/1 or 1/1 when the prediction's, the ground truth's or both boundaries are empty; F = 0
/// when precision + recall = 0; void pixels removed from both masks before anything is counted.
/// </summary>
public static class DavisMeasures
{
    /// <summary>The boundary tolerance as a fraction of the image diagonal (DAVIS's bound_th).</summary>
    public const double BoundThreshold = 0.008;

    /// <summary>Region similarity J: intersection over union, void pixels left out; 1 when both are empty.</summary>
    public static double Jaccard(BitMask gt, BitMask pred, BitMask? voids = null)
    {
        var (inter, union) = gt.Overlap(pred, voids);
        return union == 0 ? 1.0 : (double)inter / union;
    }

    /// <summary>The dilation radius: ceil(0.008 · ‖(H, W)‖).</summary>
    public static int DiskRadius(int height, int width) =>
        (int)Math.Ceiling(BoundThreshold * Math.Sqrt((double)height * height + (double)width * width));

    /// <summary>Boundary accuracy F: the F-measure of the boundaries matched within the tolerance.</summary>
    public static double BoundaryF(BitMask gt, BitMask pred, BitMask? voids = null)
    {
        gt.CheckSize(pred);
        if (voids != null)
        {
            gt = gt.AndNot(voids);
            pred = pred.AndNot(voids);
        }
        int radius = DiskRadius(gt.Height, gt.Width);
        var fgBoundary = Boundary.Map(pred);
        var gtBoundary = Boundary.Map(gt);
        long nFg = fgBoundary.Count(), nGt = gtBoundary.Count();
        double precision, recall;
        if (nFg == 0 && nGt > 0) (precision, recall) = (1, 0);
        else if (nFg > 0 && nGt == 0) (precision, recall) = (0, 1);
        else if (nFg == 0 && nGt == 0) (precision, recall) = (1, 1);
        else
        {
            precision = Boundary.CountWithinDilation(gtBoundary, radius, fgBoundary) / (double)nFg;
            recall = Boundary.CountWithinDilation(fgBoundary, radius, gtBoundary) / (double)nGt;
        }
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }
}
