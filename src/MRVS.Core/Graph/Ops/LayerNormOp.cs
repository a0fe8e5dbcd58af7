using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>y = LN(x [+ residual]) · γ + β over the last axis. Inputs: x[, residual], γ, β.</summary>
public sealed class LayerNormOp(float eps, bool residual = false) : Op
{
    public float Eps { get; } = eps;
    public bool HasResidual { get; } = residual;
    public override string Kind => "layer_norm";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        int n = HasResidual ? 4 : 3;
        ExpectCount(inputs, n, n, "layer_norm");
        var x = inputs[0];
        ExpectDType(x, DType.F32, "input");
        if (HasResidual) Expect(inputs[1].Equals(x), $"residual {inputs[1]} ≠ input {x}");
        ExpectNormAffine(inputs, x);
        return x;
    }
}
