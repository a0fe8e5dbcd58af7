using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Valid fraction of a padded level: mask Bool [N, H, W] → [N, 2] = (unpadded columns of row 0 / W, unpadded rows of
/// column 0 / H).
/// </summary>
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
