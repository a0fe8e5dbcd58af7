using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

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
        Expect(vr.DType == DType.F32 && vr.Rank == 3 && vr[1] == LevelShapes.Length && vr[2] == 2,
            $"valid ratios are {vr}, expected [N, {LevelShapes.Length}, 2]");
        return new TensorType(DType.F32, [vr[0], LevelShapes.Sum(s => s[0] * s[1]), LevelShapes.Length, 2]);
    }
}
