using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MRVS.Pipeline.Evaluation.Metrics;

namespace MRVS.Pipeline.Evaluation.Coco;

/// <summary>
/// A ground-truth or detected instance: image, mask, area (ground truth: as its JSON says), crowd flag, score.
/// </summary>
public sealed record CocoInstance(
    long Id, string ImageId, MaskRle Mask, double Area, bool IsCrowd = false, double Score = 0);

/// <summary>
/// pycocotools' <c>COCOeval</c> for <c>iouType='segm'</c> with <c>params.useCats = 0</c>, as the A2D-Sentences /
/// JHMDB-Sentences evaluation runs it: per image, detections sorted by score (stable) and cut at maxDets, greedy
/// matching at IoU thresholds 0.50:0.05:0.95 (crowd ground truth matched by intersection over the detection's area,
/// repeatedly; ignored and out-of-range ground truth last), then precision interpolated at 101 recall points and
/// averaged over what was evaluated. <see cref="Stats"/> gives the twelve numbers of <c>summarize()</c>: mAP
/// 0.5:0.95, AP 0.5, AP 0.75 and mAP for small (&lt; 32²), medium and large (&gt; 96²) areas at 100 detections (the
/// six the trainer reports), then the recall averaged over the thresholds at 1, 10 and 100 detections and per area.
/// </summary>
public static class CocoSegmentationEval
{
    /// <summary>The names of the twelve figures of <c>summarize()</c>, in its order.</summary>
    public static readonly string[] StatNames =
    [
        "mAP 0.5:0.95", "AP 0.5", "AP 0.75", "AP 0.5:0.95 S", "AP 0.5:0.95 M", "AP 0.5:0.95 L",
        "AR 0.5:0.95 @1", "AR 0.5:0.95 @10", "AR 0.5:0.95 @100", "AR 0.5:0.95 S", "AR 0.5:0.95 M", "AR 0.5:0.95 L",
    ];

    private static readonly double[] IouThresholds = LinSpace(0.5, 0.95, 10);
    private static readonly double[] RecallThresholds = LinSpace(0.0, 1.0, 101);
    private static readonly int[] MaxDets = [1, 10, 100];
    private static readonly (double Lo, double Hi)[] AreaRanges =
        [(0, 1e10), (0, 32 * 32), (32 * 32, 96 * 96), (96 * 96, 1e10)];

    /// <summary>np.linspace as NumPy evaluates it: i·step + start, the last value exact.</summary>
    private static double[] LinSpace(double start, double stop, int n)
    {
        double step = (stop - start) / (n - 1);
        var y = new double[n];
        for (int i = 0; i < n; i++) y[i] = i * step + start;
        y[^1] = stop;
        return y;
    }

    private sealed record ImageEval(double[] Scores, bool[,] Matched, bool[,] Ignored, bool[] GtIgnored);

    /// <summary>COCOeval segm with useCats = 0: the twelve figures of <c>summarize()</c>.</summary>
    /// <param name="imageIds">The ground truth's image ids (evaluated in sorted order, as COCO's getImgIds).</param>
    /// <param name="groundTruth">The ground-truth instances.</param>
    /// <param name="detections">The predictions, with their scores.</param>
    public static double[] Stats(IEnumerable<string> imageIds, IReadOnlyList<CocoInstance> groundTruth,
        IReadOnlyList<CocoInstance> detections)
    {
        var images = imageIds.Distinct().Order(StringComparer.Ordinal).ToList();
        var gtBy = groundTruth.ToLookup(g => g.ImageId);
        var dtBy = detections.ToLookup(d => d.ImageId);
        int nT = IouThresholds.Length, nR = RecallThresholds.Length, nA = AreaRanges.Length, nM = MaxDets.Length;
        var evals = new ImageEval?[nA, images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            var gts = gtBy[images[i]].ToList();
            var dts = dtBy[images[i]].Select((d, n) => (d, n)).OrderByDescending(x => x.d.Score).ThenBy(x => x.n)
                .Select(x => x.d).Take(MaxDets[^1]).ToList();
            var ious = Ious(dts, gts);
            for (int a = 0; a < nA; a++) evals[a, i] = EvaluateImage(gts, dts, ious, AreaRanges[a]);
        }

        // -1: nothing to evaluate (no image, or no ground truth that counts), left out of the summaries.
        var precision = new double[nT, nR, nA, nM];
        var recall = new double[nT, nA, nM];
        Elements(precision).Fill(-1);
        Elements(recall).Fill(-1);
        for (int a = 0; a < nA; a++)
        {
            var areaEvals = Enumerable.Range(0, images.Count).Select(i => evals[a, i]).OfType<ImageEval>().ToList();
            for (int m = 0; m < nM; m++) Accumulate(areaEvals, MaxDets[m], precision, recall, a, m);
        }

        double Precision(int? threshold, int area)
        {
            var values = new List<double>();
            for (int t = 0; t < nT; t++)
            {
                if (threshold is { } only && t != only) continue;
                for (int r = 0; r < nR; r++)
                    if (precision[t, r, area, nM - 1] > -1) values.Add(precision[t, r, area, nM - 1]);
            }
            return values.Count == 0 ? -1 : NumPyReductions.Mean(values.ToArray());
        }
        double Recall(int area, int m)
        {
            var values = Enumerable.Range(0, nT).Select(t => recall[t, area, m]).Where(v => v > -1).ToArray();
            return values.Length == 0 ? -1 : NumPyReductions.Mean(values);
        }
        int at50 = Array.IndexOf(IouThresholds, 0.5), at75 = Array.IndexOf(IouThresholds, 0.75);
        return
        [
            Precision(null, 0), Precision(at50, 0), Precision(at75, 0), Precision(null, 1), Precision(null, 2),
            Precision(null, 3), Recall(0, 0), Recall(0, 1), Recall(0, 2), Recall(1, 2), Recall(2, 2), Recall(3, 2),
        ];
    }

    /// <summary>
    /// maskUtils.iou: intersection over union, or over the detection's area for a crowd ground truth; 0 when that is
    /// empty (its bounding-box test rejects empty masks before any division).
    /// </summary>
    private static double[,] Ious(List<CocoInstance> dts, List<CocoInstance> gts)
    {
        var r = new double[dts.Count, gts.Count];
        var gtMasks = gts.Select(g => g.Mask.ToBitMask()).ToList();
        for (int d = 0; d < dts.Count; d++)
        {
            var dm = dts[d].Mask.ToBitMask();
            for (int g = 0; g < gts.Count; g++)
            {
                var (inter, union) = dm.Overlap(gtMasks[g]);
                double u = gts[g].IsCrowd ? dts[d].Mask.Area : union;
                r[d, g] = inter == 0 ? 0 : inter / u;
            }
        }
        return r;
    }

    private static ImageEval? EvaluateImage(List<CocoInstance> gtAll, List<CocoInstance> dts, double[,] iousAll,
        (double Lo, double Hi) range)
    {
        if (gtAll.Count == 0 && dts.Count == 0) return null;
        bool OutOfRange(double area) => area < range.Lo || area > range.Hi;
        // Ground truth not ignored first (a stable sort on the ignore flag).
        var order = Enumerable.Range(0, gtAll.Count)
            .OrderBy(g => gtAll[g].IsCrowd || OutOfRange(gtAll[g].Area) ? 1 : 0).ToArray();
        var gt = order.Select(g => gtAll[g]).ToArray();
        var gtIg = gt.Select(g => g.IsCrowd || OutOfRange(g.Area)).ToArray();
        int nT = IouThresholds.Length, nG = gt.Length, nD = dts.Count;
        var gtMatched = new bool[nT, nG];
        var dtMatched = new bool[nT, nD];
        var dtIg = new bool[nT, nD];
        for (int t = 0; t < nT; t++)
            for (int d = 0; d < nD; d++)
            {
                double best = Math.Min(IouThresholds[t], 1 - 1e-10);
                int m = -1;
                for (int g = 0; g < nG; g++)
                {
                    if (gtMatched[t, g] && !gt[g].IsCrowd) continue;
                    if (m > -1 && !gtIg[m] && gtIg[g]) break;
                    double iou = iousAll[d, order[g]];
                    if (iou < best) continue;
                    best = iou;
                    m = g;
                }
                if (m == -1) continue;
                dtIg[t, d] = gtIg[m];
                dtMatched[t, d] = true;
                gtMatched[t, m] = true;
            }
        for (int d = 0; d < nD; d++)
            if (OutOfRange(dts[d].Mask.Area))
                for (int t = 0; t < nT; t++) dtIg[t, d] |= !dtMatched[t, d];
        return new ImageEval(dts.Select(d => d.Score).ToArray(), dtMatched, dtIg, gtIg);
    }

    private static void Accumulate(List<ImageEval> evals, int maxDet, double[,,,] precision, double[,,] recall, int a,
        int m)
    {
        if (evals.Count == 0) return;
        var dets = evals.SelectMany(e => Enumerable.Range(0, Math.Min(maxDet, e.Scores.Length)).Select(d => (e, d)))
            .ToList();
        var order = Enumerable.Range(0, dets.Count).OrderByDescending(i => dets[i].e.Scores[dets[i].d]).ThenBy(i => i)
            .ToArray();
        int npig = evals.Sum(e => e.GtIgnored.Count(ig => !ig));
        if (npig == 0) return;
        for (int t = 0; t < IouThresholds.Length; t++)
        {
            var rc = new List<double>();
            var pr = new List<double>();
            double tp = 0, fp = 0;
            foreach (var i in order)
            {
                var (e, d) = dets[i];
                if (e.Ignored[t, d]) { }
                else if (e.Matched[t, d]) tp++;
                else fp++;
                rc.Add(tp / npig);
                pr.Add(tp / (fp + tp + Math.BitIncrement(1.0) - 1.0));
            }
            recall[t, a, m] = rc.Count > 0 ? rc[^1] : 0;
            for (int i = pr.Count - 1; i > 0; i--)
                if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
            for (int r = 0; r < RecallThresholds.Length; r++)
            {
                int at = LowerBound(rc, RecallThresholds[r]);
                precision[t, r, a, m] = at < pr.Count ? pr[at] : 0;
            }
        }
    }

    private static Span<double> Elements(Array a) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(a)), a.Length);

    /// <summary>np.searchsorted(side='left'): the first index whose value is ≥ x.</summary>
    private static int LowerBound(List<double> sorted, double x)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (sorted[mid] < x) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
