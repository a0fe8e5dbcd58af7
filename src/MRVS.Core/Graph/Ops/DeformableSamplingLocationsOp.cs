using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

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
        Expect(off.DType == DType.F32 && off.Rank == 3 && off[2] == Heads * levels * Points * 2,
            $"offsets are {off}, expected [N, Lq, {Heads * levels * Points * 2}]");
        Expect(r.DType == DType.F32 && r.Rank == 4 && r[0] == off[0] && r[1] == off[1] && r[2] == levels
            && (r[3] == 2 || r[3] == 4), $"reference points are {r}, expected [{off[0]}, {off[1]}, {levels}, 2 or 4]");
        return new TensorType(DType.F32, [off[0], off[1], Heads, levels, Points, 2]);
    }
}
