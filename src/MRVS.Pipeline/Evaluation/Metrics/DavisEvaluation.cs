using MRVS.Core.Errors;
using MRVS.Core.Limits;
using MRVS.Pipeline.Media;

namespace MRVS.Pipeline.Evaluation.Metrics;

/// <summary>J and F statistics of one object of one sequence (a row of the DAVIS per-sequence table).</summary>
public sealed record SequenceScore(string Name, DavisStatistics J, DavisStatistics F);

/// <summary>
/// The DAVIS-2017 figures over sequences, aggregated as <c>eval_davis.py</c> does: J-Mean and F-Mean are the means
/// of the per-object means (NumPy's summation), J&amp;F-Mean their average.
/// </summary>
public sealed record DavisReport(IReadOnlyList<SequenceScore> Sequences)
{
    /// <summary>J-Mean: the mean over sequences.</summary>
    public double JMean => NumPyReductions.Mean(Sequences.Select(s => s.J.Mean).ToArray());
    /// <summary>F-Mean: the mean over sequences.</summary>
    public double FMean => NumPyReductions.Mean(Sequences.Select(s => s.F.Mean).ToArray());
    /// <summary>J-Recall: the mean over sequences.</summary>
    public double JRecall => NumPyReductions.Mean(Sequences.Select(s => s.J.Recall).ToArray());
    /// <summary>F-Recall: the mean over sequences.</summary>
    public double FRecall => NumPyReductions.Mean(Sequences.Select(s => s.F.Recall).ToArray());
    /// <summary>J-Decay: the mean over sequences.</summary>
    public double JDecay => NumPyReductions.Mean(Sequences.Select(s => s.J.Decay).ToArray());
    /// <summary>F-Decay: the mean over sequences.</summary>
    public double FDecay => NumPyReductions.Mean(Sequences.Select(s => s.F.Decay).ToArray());
    /// <summary>J&amp;F-Mean: the average of J-Mean and F-Mean.</summary>
    public double JFMean => (JMean + FMean) / 2.0;
}

/// <summary>
/// Scores sequences of masks with the DAVIS-2017 measures. Binary: every non-zero pixel is foreground, one object
/// per sequence (Ref-YouTube-VOS, MeViS). Objects (<c>eval_davis.py</c>, the unsupervised task Ref-DAVIS17 is scored
/// with): ground-truth values 1..n are the objects of the sequence's first frame and 255 is void; predicted values
/// 1..m (m ≤ 20) are proposals, matched one-to-one to the objects by the highest mean (J + F) / 2.
/// </summary>
public static class DavisEvaluation
{
    /// <summary>Proposals a predicted PNG may index (eval_davis.py's limit).</summary>
    public const int MaxProposals = 20;
    /// <summary>The ground truth's void label.</summary>
    public const byte VoidLabel = 255;

    /// <summary>Per-frame J and F of a binary sequence.</summary>
    public static (double[] J, double[] F) Measure(IReadOnlyList<BitMask> gt, IReadOnlyList<BitMask> pred,
        IReadOnlyList<BitMask>? voids = null)
    {
        if (gt.Count != pred.Count)
            throw new ArgumentException($"{gt.Count} ground-truth frames but {pred.Count} predicted");
        var j = new double[gt.Count];
        var f = new double[gt.Count];
        Parallel.For(0, gt.Count, t =>
        {
            j[t] = DavisMeasures.Jaccard(gt[t], pred[t], voids?[t]);
            f[t] = DavisMeasures.BoundaryF(gt[t], pred[t], voids?[t]);
        });
        return (j, f);
    }

    /// <summary>J and F statistics of a binary sequence.</summary>
    public static SequenceScore ScoreBinary(string name, IReadOnlyList<BitMask> gt, IReadOnlyList<BitMask> pred)
    {
        for (int t = 0; t < Math.Min(gt.Count, pred.Count); t++)
            if (gt[t].Width != pred[t].Width || gt[t].Height != pred[t].Height)
                throw new MrvsException(MrvsErrorKind.BadInput,
                    $"sequence '{name}': frame {t} is {gt[t].Width}x{gt[t].Height} in the ground truth and " +
                    $"{pred[t].Width}x{pred[t].Height} predicted");
        var (j, f) = Measure(gt, pred);
        return new SequenceScore(name, DavisStatistics.Of(j), DavisStatistics.Of(f));
    }

    /// <summary>
    /// The unsupervised protocol for one sequence: one score per ground-truth object, named
    /// "&lt;sequence&gt;_&lt;k&gt;".
    /// </summary>
    public static IReadOnlyList<SequenceScore> ScoreObjects(string sequence, IReadOnlyList<LabelImage> gt,
        IReadOnlyList<LabelImage> pred)
    {
        if (gt.Count == 0) throw new ArgumentException($"sequence '{sequence}' has no ground-truth frames");
        int h = gt[0].Height, w = gt[0].Width;
        for (int t = 0; t < gt.Count; t++)
            if (gt[t].Width != w || gt[t].Height != h || pred[t].Width != w || pred[t].Height != h)
                throw new MrvsException(MrvsErrorKind.BadInput,
                    $"sequence '{sequence}': frame {t} is {gt[t].Width}x{gt[t].Height} in the ground truth and " +
                    $"{pred[t].Width}x{pred[t].Height} predicted, but its first frame is {w}x{h}");
        var voids = gt.Select(g => BitMask.FromPixels(g.Pixels, h, w, VoidLabel)).ToList();
        int objects = gt[0].Pixels.Where(p => p != VoidLabel).DefaultIfEmpty((byte)0).Max();
        int proposals = pred.Max(p => (int)p.Pixels.Max());
        if (proposals > MaxProposals)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"sequence '{sequence}': a predicted PNG has index {proposals}, " +
                $"more than the {MaxProposals} proposals allowed");
        proposals = Math.Max(proposals, objects);
        List<List<BitMask>> Masks(IReadOnlyList<LabelImage> labels, int count) => Enumerable.Range(1, count)
            .Select(k => labels.Select(l => BitMask.FromPixels(l.Pixels, h, w, (byte)k)).ToList()).ToList();
        var (gtMasks, predMasks) = (Masks(gt, objects), Masks(pred, proposals));

        var j = new double[proposals, objects][];
        var f = new double[proposals, objects][];
        var cost = new double[proposals, objects];
        for (int o = 0; o < objects; o++)
            for (int p = 0; p < proposals; p++)
            {
                (j[p, o], f[p, o]) = Measure(gtMasks[o], predMasks[p], voids);
                cost[p, o] = -((NumPyReductions.Mean(j[p, o]) + NumPyReductions.Mean(f[p, o])) / 2);
            }
        var (rows, cols) = LinearAssignment.Solve(cost);
        // eval_davis names the i-th matched pair "<sequence>_<i+1>", pairs in the order of the proposals.
        return rows.Select((p, i) => new SequenceScore($"{sequence}_{i + 1}",
            DavisStatistics.Of(j[p, cols[i]]), DavisStatistics.Of(f[p, cols[i]]))).ToList();
    }

    /// <summary>
    /// Scores every sequence of <paramref name="gtRoot"/> (each folder holding PNGs, at any depth; its relative path
    /// is the name) against the same files under <paramref name="predRoot"/>. Every mask is checked as <see
    /// cref="LabelPng.Read"/> reads it, the masks of a sequence must share one size, and a sequence's label maps
    /// (ground truth and predictions) are held within <see cref="ResourceLimits.MaxClipBytes"/>.
    /// </summary>
    /// <param name="gtRoot">The ground truth's folder.</param>
    /// <param name="predRoot">The predictions' folder.</param>
    /// <param name="objects">Score indexed PNGs by the unsupervised protocol (<see cref="ScoreObjects"/>).</param>
    /// <param name="limits">The limits the masks are checked against (the defaults when null).</param>
    public static DavisReport ScoreFolders(string gtRoot, string predRoot, bool objects = false,
        ResourceLimits? limits = null)
    {
        limits ??= ResourceLimits.Default;
        foreach (var (root, what) in new[] { (gtRoot, "ground-truth"), (predRoot, "prediction") })
            if (!Directory.Exists(root))
                throw new MrvsException(MrvsErrorKind.BadInput, $"{what} folder '{root}' does not exist");
        var sequences = Directory.EnumerateDirectories(gtRoot, "*", SearchOption.AllDirectories)
            .Prepend(gtRoot)
            .Where(d => Directory.EnumerateFiles(d, "*.png").Any())
            .Select(d => Path.GetRelativePath(gtRoot, d).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (sequences.Count == 0)
            throw new MrvsException(MrvsErrorKind.BadInput,
                $"ground-truth folder '{gtRoot}' holds no <sequence>/<frame>.png files");
        var scores = new List<SequenceScore>();
        foreach (var seq in sequences)
        {
            var frames = Directory.EnumerateFiles(Path.Combine(gtRoot, seq), "*.png").Select(Path.GetFileName)
                .Order(StringComparer.Ordinal).ToList();
            var (gt, pred) = (new List<LabelImage>(), new List<LabelImage>());
            long bytes = 0;
            foreach (var frame in frames)
            {
                var gtPath = Path.Combine(gtRoot, seq, frame!);
                var g = Held(LabelPng.Read(gtPath, limits), gtPath, gt.Count > 0 ? gt[0] : null,
                    "ground truth's first");
                var predPath = Path.Combine(predRoot, seq, frame!);
                if (!File.Exists(predPath))
                    throw new MrvsException(MrvsErrorKind.BadInput,
                        $"prediction '{predPath}' is missing (the ground truth has {seq}/{frame})");
                var p = Held(LabelPng.Read(predPath, limits), predPath, g, "ground truth's");
                bytes += g.Pixels.Length + p.Pixels.Length;
                if (bytes > limits.MaxClipBytes)
                    throw ResourceLimits.Exceeded($"sequence '{seq}' holds {ErrorText.Bytes(bytes)} of masks by " +
                        $"frame '{frame}'", nameof(ResourceLimits.MaxClipBytes), ErrorText.Bytes(limits.MaxClipBytes));
                gt.Add(g);
                pred.Add(p);
            }
            if (objects) scores.AddRange(ScoreObjects(seq, gt, pred));
            else
                scores.Add(ScoreBinary(seq, gt.Select(g => BitMask.FromPixels(g.Pixels, g.Height, g.Width)).ToList(),
                    pred.Select(p => BitMask.FromPixels(p.Pixels, p.Height, p.Width)).ToList()));
        }
        return new DavisReport(scores);
    }

    /// <summary><paramref name="mask"/>, when it has the size of <paramref name="like"/> (any size when
    /// null).</summary>
    private static LabelImage Held(LabelImage mask, string path, LabelImage? like, string what) =>
        like is null || (mask.Width == like.Width && mask.Height == like.Height)
            ? mask
            : throw new MrvsException(MrvsErrorKind.BadInput,
                $"mask '{path}' is {mask.Width}x{mask.Height}, but the {what} mask is {like.Width}x{like.Height}");
}
