using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

public enum Activation { None, Relu, Gelu, Sigmoid, Tanh }

/// <summary>
/// y = LN(act(x · Wᵀ + b) [+ residual]) over the last axis, the LayerNorm optional; W is [N, K] as PyTorch stores it.
/// Inputs: x, W[, b][, residual][, γ, β]. The residual (y's shape) is added after the activation: a Linear followed by
/// a residual add, fused (<see cref="Fusion.ResidualAddRule"/>), rounds exactly as the two ops did; so does the
/// LayerNorm of the result (<see cref="Fusion.LayerNormEpilogueRule"/>).
/// </summary>
public sealed class LinearOp(Activation activation = Activation.None, bool residual = false, float? normEps = null)
    : Op, IResidualOp, INormalizingOp
{
    public Activation Activation { get; } = activation;
    public bool HasResidual { get; } = residual;
    public float? NormEps { get; } = normEps;
    public override string Kind => "linear";

    public override string Describe() => Kind + (Activation == Activation.None ? "" : $"+{Activation}")
        + (HasResidual ? "+residual" : "") + (NormEps is null ? "" : "+layer_norm");

    public bool TakesResidual => !HasResidual && NormEps is null;

    public Op WithResidual() => TakesResidual
        ? new LinearOp(Activation, residual: true)
        : throw new InvalidOperationException("the op has a residual, or a LayerNorm after it");

    public Op WithLayerNorm(float eps) => new LinearOp(Activation, HasResidual, eps);

    /// <summary>Whether inputs of this count include a bias (input 2).</summary>
    public bool HasBias(int inputCount) => inputCount == (HasResidual ? 4 : 3) + INormalizingOp.Inputs(this);

    /// <summary>The residual's index among inputs of this count.</summary>
    public int ResidualIndex(int inputCount) => inputCount - 1 - INormalizingOp.Inputs(this);

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        int extra = (HasResidual ? 1 : 0) + INormalizingOp.Inputs(this);
        ExpectCount(inputs, 2 + extra, 3 + extra, "linear");
        var (x, w) = (inputs[0], inputs[1]);
        ExpectDType(x, DType.F32, "input");
        Expect(w.Rank == 2, $"weight is {w}, expected [out, in]");
        Expect(x.Rank >= 1 && x[-1] == w[1],
            $"input features {x[-1]} ≠ weight in-features {w[1]} (input {x}, weight {w})");
        if (HasBias(inputs.Count))
            Expect(inputs[2].Rank == 1 && inputs[2][0] == w[0], $"bias is {inputs[2]}, expected [{w[0]}]");
        var shape = (int[])x.Shape.Clone();
        shape[^1] = w[0];
        var y = new TensorType(DType.F32, shape);
        if (HasResidual)
        {
            var residual = inputs[ResidualIndex(inputs.Count)];
            Expect(residual.Equals(y), $"residual is {residual}, expected the output's {y}");
        }
        if (NormEps is not null) ExpectNormAffine(inputs, y);
        return y;
    }

    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        2 * output.Elements * inputs[1][1];
}
