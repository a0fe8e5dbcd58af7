using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Multi-scale deformable attention core (ms_deform_attn_core / the CUDA op): value [N, S, M, D] (levels
/// concatenated, row-major inside a level), sampling locations [N, Lq, M, L, P, 2] as normalised (x, y), attention
/// weights [N, Lq, M, L, P] → [N, Lq, M·D]. Each sample is grid_sample bilinear with align_corners = False
/// (x·W − 0.5) and zeros outside; the sum runs level-outer, point-inner.
/// </summary>
public sealed class MsDeformAttnOp(int[][] levelShapes) : Op
{
    public int[][] LevelShapes { get; } = levelShapes;
    public override string Kind => "ms_deform_attn";

    /// <summary>Offset of each level in the flattened sequence (level_start_index) for level shapes (h, w).</summary>
    public static int[] LevelStarts(int[][] levelShapes)
    {
        var s = new int[levelShapes.Length];
        for (int l = 1; l < s.Length; l++) s[l] = s[l - 1] + levelShapes[l - 1][0] * levelShapes[l - 1][1];
        return s;
    }

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 3, 3, Kind);
        var (v, loc, w) = (inputs[0], inputs[1], inputs[2]);
        int levels = LevelShapes.Length, s = LevelShapes.Sum(x => x[0] * x[1]);
        Expect(v.DType == DType.F32 && v.Rank == 4 && v[1] == s,
            $"value is {v}, expected F32[N, {s}, M, D] (levels {string.Join(" + ",
                LevelShapes.Select(x => $"{x[0]}×{x[1]}"))})");
        Expect(loc.DType == DType.F32 && loc.Rank == 6 && loc[0] == v[0] && loc[2] == v[2] && loc[3] == levels && loc[5]
            == 2, $"sampling locations are {loc}, expected [{v[0]}, Lq, {v[2]}, {levels}, P, 2]");
        Expect(w.DType == DType.F32 && w.Rank == 5 && Enumerable.Range(0, 5).All(i => w[i] == loc[i]),
            $"attention weights are {w}, expected {Shape.Format(loc.Shape[..5])}");
        return new TensorType(DType.F32, [v[0], loc[1], v[2] * v[3]]);
    }

    /// <summary>Per output channel and sample: a bilinear interpolation (4 multiply-adds) and its weighting.</summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        10 * output.Elements * inputs[1][3] * inputs[1][4];
}
