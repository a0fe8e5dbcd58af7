using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Models.Building;

/// <summary>Deterministic made-up weights (see <see cref="WeightStore.Synthetic"/>).</summary>
public static class SyntheticWeights
{
    /// <summary>
    /// Uniform ±1/√fan_in for weights, 1 ± 0.1 for norm scales, and the int64 buffers as their modules register
    /// them (Swin relative_position_index for <paramref name="swinWindow"/>, RoBERTa position_ids 0, 1, …).
    /// </summary>
    public static Tensor Make(string key, DType dtype, int[] shape, int seed, int[] swinWindow)
    {
        var t = Tensor.Zeros(dtype, shape);
        if (key.EndsWith(".relative_position_index", StringComparison.Ordinal) && dtype == DType.I64
            && shape.Length == 2)
        {
            FillSwinRelativeIndex(t.Span<long>(), shape[0], swinWindow);
            return t;
        }
        if (key.EndsWith(".position_ids", StringComparison.Ordinal) && dtype == DType.I64)
        {
            var ids = t.Span<long>();
            for (int i = 0; i < ids.Length; i++) ids[i] = i % shape[^1];
            return t;
        }
        if (dtype != DType.F32) return t;
        // Not HashCode.Combine: it is randomised per process, and the weights must be the same on every run.
        var rng = new Random(unchecked(StableHash(key) * 31 + seed));
        bool isNormScale = key.EndsWith(".weight", StringComparison.Ordinal) && shape.Length == 1;
        double bound = isNormScale ? 0 : 1.0 / Math.Sqrt(Math.Max(1, shape.Length > 1 ? (int)(t.ElementCount / shape[0])
            : shape[0]));
        var s = t.Span<float>();
        for (int i = 0; i < s.Length; i++) s[i] = isNormScale ? 1f + (float)(rng.NextDouble() * 0.2 - 0.1)
            : (float)((rng.NextDouble() * 2 - 1) * bound);
        return t;
    }

    /// <summary>The (wd, wh, ww) window's relative position index [n, n], as Video Swin registers it.</summary>
    private static void FillSwinRelativeIndex(Span<long> index, int n, int[] window)
    {
        int wd = window[0], wh = window[1], ww = window[2];
        if (n != wd * wh * ww) throw new ArgumentException($"a relative_position_index of {n}×{n} does not fit the " +
            $"Swin window ({wd}, {wh}, {ww})");
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                index[i * n + j] = WindowAttentionOp.RelativeIndex(window, i, j);
    }

    private static int StableHash(string s)
    {
        unchecked
        {
            int h = (int)2166136261;
            foreach (char c in s) h = (h ^ c) * 16777619;
            return h;
        }
    }
}
