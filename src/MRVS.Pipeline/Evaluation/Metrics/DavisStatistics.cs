namespace MRVS.Pipeline.Evaluation.Metrics;

/// <summary>
/// <c>db_statistics</c> of <c>davis2017/utils.py</c> over one object's per-frame values: the mean, the recall (share
/// of frames above 0.5) and the decay (mean of the first of four bins minus mean of the last). The bins are
/// <c>values[ids[i] : ids[i+1] + 1]</c> with <c>ids = uint8(round(linspace(1, T, 5) + 1e-10) − 1)</c>: neighbouring
/// bins
/// share their edge frame, and the uint8 cast wraps past 255 frames as the official code does.
/// </summary>
public readonly record struct DavisStatistics(double Mean, double Recall, double Decay)
{
    /// <summary>Mean, recall and decay of per-frame values.</summary>
    public static DavisStatistics Of(ReadOnlySpan<double> values)
    {
        double mean = NumPyReductions.NanMean(values);
        var above = new double[values.Length];
        for (int i = 0; i < values.Length; i++) above[i] = values[i] > 0.5 ? 1 : 0;
        double recall = NumPyReductions.NanMean(above);

        var ids = BinEdges(values.Length);
        double first = NumPyReductions.NanMean(Bin(values, ids[0], ids[1]));
        double last = NumPyReductions.NanMean(Bin(values, ids[3], ids[4]));
        return new DavisStatistics(mean, recall, first - last);
    }

    /// <summary>
    /// round(linspace(1, T, 5) + 1e-10) − 1 as uint8; linspace as NumPy evaluates it (i·step + start, end exact).
    /// </summary>
    public static byte[] BinEdges(int frames)
    {
        var ids = new byte[5];
        double step = (frames - 1.0) / 4;
        for (int i = 0; i < 5; i++)
        {
            double x = i == 4 ? frames : i * step + 1;
            ids[i] = unchecked((byte)((long)Math.Round(x + 1e-10, MidpointRounding.ToEven) - 1));
        }
        return ids;
    }

    /// <summary>A Python slice [start, end + 1) clipped to the array (empty when it is reversed).</summary>
    private static ReadOnlySpan<double> Bin(ReadOnlySpan<double> values, int start, int end)
    {
        int stop = Math.Min(end + 1, values.Length);
        start = Math.Min(start, values.Length);
        return stop > start ? values[start..stop] : [];
    }
}
