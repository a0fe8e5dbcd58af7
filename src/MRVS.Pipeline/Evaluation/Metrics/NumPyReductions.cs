namespace MRVS.Pipeline.Evaluation.Metrics;

/// <summary>
/// np.sum / np.mean / np.nanmean of float64 arrays as NumPy computes them: pairwise summation (blocks of 128 summed
/// with eight accumulators, larger runs split in halves rounded to multiples of 8), so means agree to the last bit
/// with the official evaluation scripts.
/// </summary>
public static class NumPyReductions
{
    private const int BlockSize = 128;

    /// <summary>NumPy's pairwise summation, so sums round as NumPy's do.</summary>
    public static double Sum(ReadOnlySpan<double> a)
    {
        if (a.Length < 8)
        {
            double res = 0;
            foreach (var v in a) res += v;
            return res;
        }
        if (a.Length <= BlockSize)
        {
            Span<double> r = stackalloc double[8];
            a[..8].CopyTo(r);
            int i = 8;
            for (; i < a.Length - a.Length % 8; i += 8)
                for (int j = 0; j < 8; j++) r[j] += a[i + j];
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < a.Length; i++) res += a[i];
            return res;
        }
        int half = a.Length / 2;
        half -= half % 8;
        return Sum(a[..half]) + Sum(a[half..]);
    }

    /// <summary>np.mean: NaN for an empty array, as NumPy's (with a warning there).</summary>
    public static double Mean(ReadOnlySpan<double> a) => Sum(a) / a.Length;

    /// <summary>np.nanmean: the mean of the values that are not NaN (NaN when none is).</summary>
    public static double NanMean(ReadOnlySpan<double> a)
    {
        var values = new double[a.Length];
        int count = 0;
        for (int i = 0; i < a.Length; i++)
            if (!double.IsNaN(a[i])) { values[i] = a[i]; count++; }
        return Sum(values) / count;
    }
}
