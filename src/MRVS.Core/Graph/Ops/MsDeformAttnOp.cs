using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Multi-scale deformable attention core (ms_deform_attn_core / the CUDA op): value [N, S, M, D] (levels
/// concatenated, row-major inside a level) sampled at L levels × P points per (query, head) → [N, Lq, M·D]. Each
/// sample is grid_sample bilinear with align_corners = False (x·W − 0.5) and zeros outside; the sum runs level-outer,
/// point-inner. Two forms, by the rank of input 1:
/// <list type="bullet">
/// <item>given: sampling locations [N, Lq, M, L, P, 2] as normalised (x, y) and attention weights [N, Lq, M, L, P],
/// as upstream's ms_deform_attn_core takes them;</item>
/// <item>fused (what MSDeformAttn builds): the query's projection [N, Lq, 3·M·L·P], each row the sampling_offsets
/// linear's M·L·P·2 then the attention_weights linear's M·L·P (one GEMM), and the reference points
/// [N, Lq, L, 2 | 4]. The weights are the softmax of each head's L·P logits; a location is ref + offset / (W_l, H_l)
/// for 2-d references and ref.xy + offset / P · ref.wh · 0.5 for 4-d boxes (upstream's float32 order), so neither
/// tensor is materialised.</item>
/// </list>
/// Limit (the CUDA kernel's: a block of 128 threads, 4 channels each, per (query, head)): head dim at most
/// <see cref="MaxHeadDim"/>.
/// </summary>
public sealed class MsDeformAttnOp(int[][] levelShapes) : Op
{
    public const int MaxHeadDim = 512;

    public int[][] LevelShapes { get; } = levelShapes;
    public override string Kind => "ms_deform_attn";

    /// <summary>True for the fused form (the offsets' and logits' projection and the reference points in place of
    /// locations and weights), told by the rank of input 1.</summary>
    public static bool IsFused(int input1Rank) => input1Rank == 3;

    /// <summary>Offset of each level in the flattened sequence (level_start_index) for level shapes (h, w).</summary>
    public static int[] LevelStarts(int[][] levelShapes)
    {
        var s = new int[levelShapes.Length];
        for (int l = 1; l < s.Length; l++) s[l] = s[l - 1] + levelShapes[l - 1][0] * levelShapes[l - 1][1];
        return s;
    }

    /// <summary>Points per level: from the locations (given form) or the projection's width 3·M·L·P (fused
    /// form).</summary>
    public int Points(TensorType value, TensorType input1) =>
        IsFused(input1.Rank) ? input1[2] / (3 * value[2] * LevelShapes.Length) : input1[4];

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 3, 3, Kind);
        var v = inputs[0];
        int levels = LevelShapes.Length, s = LevelShapes.Sum(x => x[0] * x[1]);
        string shapes = string.Join(" + ", LevelShapes.Select(x => $"{x[0]}×{x[1]}"));
        Expect(v.DType == DType.F32 && v.Rank == 4 && v[1] == s,
            $"value is {v}, expected F32[N, {s}, M, D] (levels {shapes})");
        Expect(levels >= 1, "no feature levels");
        Expect(v[3] is >= 1 and <= MaxHeadDim, $"head dim {v[3]}, the kernel takes 1 to {MaxHeadDim}");
        int n = v[0], m = v[2], lq;
        if (IsFused(inputs[1].Rank))
        {
            var (projection, r) = (inputs[1], inputs[2]);
            Expect(projection.DType == DType.F32 && projection[0] == n && projection[2] % (3 * m * levels) == 0
                && projection[2] > 0,
                $"the query's projection is {projection}, expected F32[{n}, Lq, 3·{m}·{levels}·P] (offsets (x, y) " +
                $"then logits of heads · levels · points)");
            lq = projection[1];
            Expect(r.DType == DType.F32 && r.Rank == 4 && r[0] == n && r[1] == lq && r[2] == levels
                && (r[3] == 2 || r[3] == 4),
                $"reference points are {r}, expected F32[{n}, {lq}, {levels}, 2 or 4]");
        }
        else
        {
            var (loc, w) = (inputs[1], inputs[2]);
            Expect(loc.DType == DType.F32 && loc.Rank == 6 && loc[0] == n && loc[2] == m && loc[3] == levels
                && loc[5] == 2,
                $"sampling locations are {loc}, expected [{n}, Lq, {m}, {levels}, P, 2]");
            Expect(w.DType == DType.F32 && w.Rank == 5 && Enumerable.Range(0, 5).All(i => w[i] == loc[i]),
                $"attention weights are {w}, expected {Shape.Format(loc.Shape[..5])}");
            Expect(loc[4] >= 1, $"sampling locations are {loc}, expected at least one point per level");
            lq = loc[1];
        }
        Expect((long)n * lq * m <= int.MaxValue,
            $"{n} images × {lq} queries × {m} heads: the kernel indexes (image, query, head) in 32 bits");
        return new TensorType(DType.F32, [n, lq, m * v[3]]);
    }

    /// <summary>Per output channel and sample: a bilinear interpolation (4 multiply-adds) and its weighting.</summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        10 * output.Elements * LevelShapes.Length * Points(inputs[0], inputs[1]);
}
