using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

public enum Activation { None, Relu, Gelu, Sigmoid, Tanh }

/// <summary>
/// y = act(x · Wᵀ + b) [+ residual] over the last axis; W is [N, K] as PyTorch stores it. Inputs: x, W[, b][,
/// residual]. The residual (y's shape) is added after the activation: a Linear followed by a residual add, fused (<see
/// cref="Fusion.ResidualAddRule"/>), rounds exactly as the two ops did.
/// </summary>
public sealed class LinearOp(Activation activation = Activation.None, bool residual = false) : Op, IResidualOp
{
    public Activation Activation { get; } = activation;
    public bool HasResidual { get; } = residual;
    public override string Kind => "linear";

    public override string Describe() =>
        Kind + (Activation == Activation.None ? "" : $"+{Activation}") + (HasResidual ? "+residual" : "");

    public Op WithResidual() => new LinearOp(Activation, residual: true);

    /// <summary>Whether inputs of this count include a bias (input 2).</summary>
    public bool HasBias(int inputCount) => inputCount == (HasResidual ? 4 : 3);

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        int extra = HasResidual ? 1 : 0;
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
        if (HasResidual) Expect(inputs[^1].Equals(y), $"residual is {inputs[^1]}, expected the output's {y}");
        return y;
    }

    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        2 * output.Elements * inputs[1][1];
}
