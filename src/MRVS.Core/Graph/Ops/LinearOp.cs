using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

public enum Activation { None, Relu, Gelu, Sigmoid, Tanh }

/// <summary>y = act(x · Wᵀ + b) over the last axis; W is [N, K] as PyTorch stores it. Inputs: x, W[, b].</summary>
public sealed class LinearOp(Activation activation = Activation.None) : Op
{
    public Activation Activation { get; } = activation;
    public override string Kind => "linear";
    public override string Describe() => Activation == Activation.None ? Kind : $"{Kind}+{Activation}";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 2, 3, "linear");
        var (x, w) = (inputs[0], inputs[1]);
        ExpectDType(x, DType.F32, "input");
        Expect(w.Rank == 2, $"weight is {w}, expected [out, in]");
        Expect(x.Rank >= 1 && x[-1] == w[1], $"input features {x[-1]} ≠ weight in-features {w[1]} (input {x}, weight {w})");
        if (inputs.Count == 3) Expect(inputs[2].Rank == 1 && inputs[2][0] == w[0], $"bias is {inputs[2]}, expected [{w[0]}]");
        var shape = (int[])x.Shape.Clone();
        shape[^1] = w[0];
        return new TensorType(DType.F32, shape);
    }

    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        2 * output.Elements * inputs[1][1];
}
