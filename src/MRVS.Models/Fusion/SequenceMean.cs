using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Building;

namespace MRVS.Models.Fusion;

/// <summary>
/// Mean over the kept rows of x [1, S, d] → [1, d], as torch.mean(x[~padding], dim=0): the sum of the kept rows
/// (a 0/1 row vector times x) divided by their count.
/// </summary>
internal static class SequenceMean
{
    /// <param name="paddingMask">Bool [1, S], True = left out; null keeps every row.</param>
    public static Value Build(GraphBuilder b, Value x, Value? paddingMask, string name)
    {
        int len = x.Dim(1);
        var ones = Enumerable.Repeat(1f, len).ToArray();
        var keep = paddingMask is null
            ? b.Constant($"{name}.keep", ones, 1, len)
            : b.Scale(b.Add(new CastOp(DType.F32), $"{name}.padding", paddingMask), -1f, $"{name}.keep", beta: 1f);
        var sum = b.Add(new MatMulOp(), $"{name}.sum", keep, b.Reshape(x, $"{name}.rows", len, x.Dim(2)));
        var count = b.Add(new MatMulOp(), $"{name}.count", keep, b.Constant($"{name}.ones", ones, len, 1));
        return b.Binary(BinaryKind.Div, sum, count, name);
    }
}
