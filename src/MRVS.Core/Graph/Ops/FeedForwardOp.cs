using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// A two-layer MLP as one op, y = LN(act(x·W1ᵀ + b1)·W2ᵀ + b2 [+ residual]), the LayerNorm optional, over the last
/// axis: a Linear feeding only another Linear, fused by <see cref="Fusion.FeedForwardRule"/>, so the hidden
/// activations never exist in full (the CPU backend makes them block of rows by block of rows, in cache; the CUDA
/// backend in a bounded scratch). Each element rounds exactly as in the two Linears (and the LayerNorm after them,
/// <see cref="Fusion.LayerNormEpilogueRule"/>). Inputs: x [..., K], W1 [H, K], b1 [H], W2 [N, H], b2 [N][, residual
/// [..., N]][, γ, β [N]].
/// </summary>
public sealed class FeedForwardOp(Activation activation, bool residual = false, float? normEps = null)
    : Op, IResidualOp, INormalizingOp
{
    public Activation Activation { get; } = activation;
    public bool HasResidual { get; } = residual;
    public float? NormEps { get; } = normEps;
    public override string Kind => "feed_forward";
    public override string Describe() => Kind + (Activation == Activation.None ? "" : $"+{Activation}")
        + (HasResidual ? "+residual" : "") + (NormEps is null ? "" : "+layer_norm");

    public bool TakesResidual => !HasResidual && NormEps is null;

    public Op WithResidual() => TakesResidual
        ? new FeedForwardOp(Activation, residual: true)
        : throw new InvalidOperationException("the op has a residual, or a LayerNorm after it");

    public Op WithLayerNorm(float eps) => new FeedForwardOp(Activation, HasResidual, eps);

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        int count = (HasResidual ? 6 : 5) + INormalizingOp.Inputs(this);
        ExpectCount(inputs, count, count, Kind);
        var (x, w1, b1, w2, b2) = (inputs[0], inputs[1], inputs[2], inputs[3], inputs[4]);
        ExpectDType(x, DType.F32, "input");
        Expect(w1.Rank == 2 && w2.Rank == 2, $"weights are {w1} and {w2}, expected [hidden, in] and [out, hidden]");
        Expect(x.Rank >= 1 && x[-1] == w1[1],
            $"input features {x[-1]} ≠ first weight's in-features {w1[1]} (input {x}, weight {w1})");
        Expect(w2[1] == w1[0], $"second weight {w2} does not take the first one's {w1[0]} hidden features");
        Expect(b1.Rank == 1 && b1[0] == w1[0] && b2.Rank == 1 && b2[0] == w2[0],
            $"biases are {b1} and {b2}, expected [{w1[0]}] and [{w2[0]}]");
        var shape = (int[])x.Shape.Clone();
        shape[^1] = w2[0];
        var y = new TensorType(DType.F32, shape);
        if (HasResidual) Expect(inputs[5].Equals(y), $"residual is {inputs[5]}, expected the output's {y}");
        if (NormEps is not null) ExpectNormAffine(inputs, y);
        return y;
    }

    /// <summary>Its two GEMMs, as the two Linear ops it replaces state them: 2·rows·hidden·(in + out).</summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output)
    {
        long rows = output.Elements / output[-1], k = inputs[1][1], hidden = inputs[1][0], n = output[-1];
        return 2 * rows * hidden * (k + n);
    }
}
