using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// G Linears that read the same input, as one op: y[g] = (x · W[g]ᵀ + r[g]) + b[g] for g in [0, G), over the last
/// axis. Inputs: x [..., K], W [G, N, K] (the members' weights stacked), b [G, N], and optionally r, the output's
/// shape (the constant addends of Linears whose input had a constant term, <see cref="ConstantFolding"/>); output
/// [G, ..., N], each member's result one contiguous block that its consumers read through a <see cref="SelectOp"/>
/// view (made by <see cref="Fusion.LinearGroups"/>). A member has a bias or an addend, the other part zeros, so each
/// element rounds as in its Linear. One strided-batched GEMM on the GPU (x shared, the bias and addend strided per
/// member in the epilogue), so a group costs one launch where its Linears cost G.
/// </summary>
/// <remarks>
/// Why a stacked output and not one GEMM with N = ΣN_g writing [..., ΣN]: there each member's result is a column block
/// of every row, strided, and every consumer kernel reads contiguous rows; the batched form keeps the members'
/// results as the Linears wrote them, at the price of equal N (the members' weights have one shape).
/// </remarks>
public sealed class GroupedLinearOp : Op
{
    public override string Kind => "grouped_linear";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 3, 4, Kind);
        var (x, w, b) = (inputs[0], inputs[1], inputs[2]);
        ExpectDType(x, DType.F32, "input");
        Expect(w.Rank == 3 && w[0] >= 1, $"weights are {w}, expected [members, out, in]");
        Expect(x.Rank >= 1 && x[-1] == w[2],
            $"input features {x[-1]} ≠ weights' in-features {w[2]} (input {x}, weights {w})");
        Expect(b.Rank == 2 && b[0] == w[0] && b[1] == w[1], $"biases are {b}, expected [{w[0]}, {w[1]}]");
        int[] shape = [w[0], .. x.Shape];
        shape[^1] = w[1];
        var y = new TensorType(DType.F32, shape);
        if (inputs.Count == 4) Expect(inputs[3].Equals(y), $"addends are {inputs[3]}, expected the output's {y}");
        return y;
    }

    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        2 * output.Elements * inputs[1][2];
}
