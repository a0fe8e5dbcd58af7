using MRVS.Pipeline.Evaluation.Metrics;

namespace MRVS.Pipeline.Evaluation.Coco;

/// <summary>The figures of <c>metrics.py</c> (calculate_precision_at_k_and_iou_metrics).</summary>
public sealed record ReferringFigures(double[] PrecisionAtK, double OverallIou, double MeanIou)
{
    /// <summary>The IoU thresholds of precision@K.</summary>
    public static readonly double[] Thresholds = [0.5, 0.6, 0.7, 0.8, 0.9];
}

/// <summary>
/// <c>metrics.py</c>: per ground-truth image (one instance each), the highest-scored detection (the last of equal
/// scores, as Python's stable sort then [-1] picks), its IoU in float32 as torch computes it,
/// (intersection + 1e-6) / (union + 1e-6); precision@K counts IoU &gt; K; overall IoU is the summed intersections over
/// the summed unions, mean IoU NumPy's mean of the IoUs.
/// </summary>
public static class ReferringMetrics
{
    /// <summary>metrics.py's figures: per image, the ground truth against the best-scored prediction.</summary>
    public static ReferringFigures Compute(IReadOnlyList<string> imageIds, IReadOnlyList<CocoInstance> groundTruth,
        IReadOnlyList<CocoInstance> detections)
    {
        var gtBy = groundTruth.ToLookup(g => g.ImageId);
        var dtBy = detections.ToLookup(d => d.ImageId);
        var counters = new int[ReferringFigures.Thresholds.Length];
        double totalInter = 0, totalUnion = 0;
        var ious = new List<double>();
        foreach (var image in imageIds)
        {
            var gt = gtBy[image].FirstOrDefault()
                ?? throw new InvalidDataException($"image '{image}' has no ground-truth instance");
            CocoInstance? best = null;
            foreach (var d in dtBy[image])
                if (best is null || d.Score >= best.Score) best = d;
            if (best is null) throw new InvalidDataException($"image '{image}' has no prediction");
            var (inter, union) = best.Mask.ToBitMask().Overlap(gt.Mask.ToBitMask());
            float iou = ((float)inter + 1e-6f) / ((float)union + 1e-6f);
            for (int k = 0; k < counters.Length; k++)
                if (iou > ReferringFigures.Thresholds[k]) counters[k]++;
            totalInter += (float)inter;
            totalUnion += (float)union;
            ious.Add(iou);
        }
        return new ReferringFigures(counters.Select(c => (double)c / ious.Count).ToArray(), totalInter / totalUnion,
            NumPyReductions.Mean(ious.ToArray()));
    }
}
