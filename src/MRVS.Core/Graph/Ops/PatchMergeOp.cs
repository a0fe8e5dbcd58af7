using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Swin patch merging gather: x [D, H, W, C] → odd H/W zero-padded → [D, ⌈H/2⌉, ⌈W/2⌉, 4C] with phases
/// (0,0), (1,0), (0,1), (1,1) (row parity first).
/// </summary>
public sealed class PatchMergeOp : Op
{
    public override string Kind => "patch_merge";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Kind);
        var x = inputs[0];
        Expect(x.DType == DType.F32 && x.Rank == 4, $"input is {x}, expected F32[D, H, W, C]");
        return new TensorType(DType.F32, [x[0], (x[1] + 1) / 2, (x[2] + 1) / 2, 4 * x[3]]);
    }
}
