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
        Expect(v.DType == DType.F32 && v.Rank == 4 && v[1] == s, $"value is {v}, expected F32[N, {s}, M, D] (levels {string.Join(" + ", LevelShapes.Select(x => $"{x[0]}×{x[1]}"))})");
        Expect(loc.DType == DType.F32 && loc.Rank == 6 && loc[0] == v[0] && loc[2] == v[2] && loc[3] == levels && loc[5] == 2, $"sampling locations are {loc}, expected [{v[0]}, Lq, {v[2]}, {levels}, P, 2]");
        Expect(w.DType == DType.F32 && w.Rank == 5 && Enumerable.Range(0, 5).All(i => w[i] == loc[i]), $"attention weights are {w}, expected {Shape.Format(loc.Shape[..5])}");
        return new TensorType(DType.F32, [v[0], loc[1], v[2] * v[3]]);
    }

    /// <summary>Per sample: 4 bilinear corners weighted into every channel (2 per multiply-add), plus the weights.</summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output)
    {
        var w = inputs[2];
        long samples = w.Elements;
        return samples * (8L * inputs[0][3] + 10);
    }
}

/// <summary>
/// Deformable attention sampling locations from the offsets linear [N, Lq, M·L·P·2] and the reference points
/// [N, Lq, L, 2 | 4]: 2-d references add offset / (W_l, H_l); 4-d boxes add offset / P · (w, h) · 0.5.
/// Output [N, Lq, M, L, P, 2].
/// </summary>
public sealed class DeformableSamplingLocationsOp(int heads, int points, int[][] levelShapes) : Op
{
    public int Heads { get; } = heads;
    public int Points { get; } = points;
    public int[][] LevelShapes { get; } = levelShapes;
    public override string Kind => "deformable_sampling_locations";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 2, 2, Kind);
        var (off, r) = (inputs[0], inputs[1]);
        int levels = LevelShapes.Length;
        Expect(off.DType == DType.F32 && off.Rank == 3 && off[2] == Heads * levels * Points * 2, $"offsets are {off}, expected [N, Lq, {Heads * levels * Points * 2}]");
        Expect(r.DType == DType.F32 && r.Rank == 4 && r[0] == off[0] && r[1] == off[1] && r[2] == levels && (r[3] == 2 || r[3] == 4), $"reference points are {r}, expected [{off[0]}, {off[1]}, {levels}, 2 or 4]");
        return new TensorType(DType.F32, [off[0], off[1], Heads, levels, Points, 2]);
    }

    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) => 3 * output.Elements;
}

/// <summary>Valid fraction of a padded level: mask Bool [N, H, W] → [N, 2] = (unpadded columns of row 0 / W, unpadded rows of column 0 / H).</summary>
public sealed class ValidRatioOp : Op
{
    public override string Kind => "valid_ratio";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Kind);
        Expect(inputs[0].DType == DType.Bool && inputs[0].Rank == 3, $"mask is {inputs[0]}, expected Bool[N, H, W]");
        return new TensorType(DType.F32, [inputs[0][0], 2]);
    }
}

/// <summary>
/// Deformable encoder reference points from valid ratios [N, L, 2]: for a token (i, j) of level l,
/// ((j + 0.5) / (vr_x[l]·W_l), (i + 0.5) / (vr_y[l]·H_l)) times vr[l'] for every target level l' → [N, S, L, 2].
/// </summary>
public sealed class DeformableReferencePointsOp(int[][] levelShapes) : Op
{
    public int[][] LevelShapes { get; } = levelShapes;
    public override string Kind => "deformable_reference_points";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Kind);
        var vr = inputs[0];
        Expect(vr.DType == DType.F32 && vr.Rank == 3 && vr[1] == LevelShapes.Length && vr[2] == 2, $"valid ratios are {vr}, expected [N, {LevelShapes.Length}, 2]");
        return new TensorType(DType.F32, [vr[0], LevelShapes.Sum(s => s[0] * s[1]), LevelShapes.Length, 2]);
    }
}
