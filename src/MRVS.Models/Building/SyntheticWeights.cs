using MRVS.Core.Tensors;

namespace MRVS.Models.Building;

/// <summary>Deterministic made-up weights (see <see cref="WeightStore.Synthetic"/>).</summary>
public static class SyntheticWeights
{
    public static Tensor Make(string key, DType dtype, int[] shape, int seed)
    {
        var t = Tensor.Zeros(dtype, shape);
        if (key.EndsWith(".relative_position_index", StringComparison.Ordinal) && dtype == DType.I64 && shape.Length == 2)
        {
            FillSwinRelativeIndex(t.Span<long>(), shape[0]);
            return t;
        }
        if (dtype != DType.F32) return t;
        var rng = new Random(HashCode.Combine(seed, StableHash(key)));
        bool isNormScale = key.EndsWith(".weight", StringComparison.Ordinal) && shape.Length == 1;
        double bound = isNormScale ? 0 : 1.0 / Math.Sqrt(Math.Max(1, shape.Length > 1 ? (int)(t.ElementCount / shape[0]) : shape[0]));
        var s = t.Span<float>();
        for (int i = 0; i < s.Length; i++) s[i] = isNormScale ? 1f + (float)(rng.NextDouble() * 0.2 - 0.1) : (float)((rng.NextDouble() * 2 - 1) * bound);
        return t;
    }

    /// <summary>The (8, 7, 7) window's relative position index, as Video Swin registers it.</summary>
    private static void FillSwinRelativeIndex(Span<long> index, int n)
    {
        const int wd = 8, wh = 7, ww = 7;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                int di = i / (wh * ww), yi = i / ww % wh, xi = i % ww;
                int dj = j / (wh * ww), yj = j / ww % wh, xj = j % ww;
                index[i * n + j] = (di - dj + wd - 1) * (2 * wh - 1) * (2 * ww - 1) + (yi - yj + wh - 1) * (2 * ww - 1) + (xi - xj + ww - 1);
            }
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
