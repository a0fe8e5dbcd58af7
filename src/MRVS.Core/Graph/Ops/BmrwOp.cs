using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// SOC++ bidirectional matching random walk (BMRW, w = 0.5, temperature 5) per batch entry n: x [n, K, d] video
/// queries, y [n, M, d] frame queries; with n(v) = v / (‖v‖ + 1e-9): z = softmax over M of 5·n(y)·n(x)ᵀ [M, K],
/// A = zᵀ·(z / (rowsum z + 1e-9)), out = 0.5 · (I − 0.25·A)⁻¹ · (0.5·zᵀ·y + x) → [n, K, d]. The K×K
/// system is solved by LU with partial pivoting (torch.linalg.solve).
/// </summary>
public sealed class BmrwOp : Op
{
    public const float Walk = 0.5f, Temperature = 5f, Eps = 1e-9f;
    public override string Kind => "bmrw";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 2, 2, Kind);
        var (x, y) = (inputs[0], inputs[1]);
        Expect(x.DType == DType.F32 && y.DType == DType.F32 && x.Rank == 3 && y.Rank == 3 && x[0] == y[0] && x[2]
            == y[2],
            $"BMRW: video queries {x} and frame queries {y} must be F32 [n, K, d] and [n, M, d]");
        return x;
    }

    /// <summary>Similarities, softmax, the K×K system and its LU solve, per batch entry (dominant terms).</summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output)
    {
        long n = inputs[0][0], k = inputs[0][1], d = inputs[0][2], m = inputs[1][1];
        return n * (2 * m * k * d + 2 * m * k * k + 2 * k * k * k / 3 + 2 * k * k * d + 2 * k * m * d);
    }
}
