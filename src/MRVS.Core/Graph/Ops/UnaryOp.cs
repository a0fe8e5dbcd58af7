using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

public enum UnaryKind
{
    Relu,
    /// <summary>Exact erf GELU.</summary>
    Gelu,
    Sigmoid,
    Tanh,
    /// <summary>log(x / (1 − x)) with x clamped to [0, 1] and both terms to ≥ 1e-5 (Deformable DETR).</summary>
    InverseSigmoid,
    /// <summary>y = Alpha · x + Beta.</summary>
    Affine,
}

/// <summary>Element-wise function of one F32 tensor.</summary>
public sealed class UnaryOp(UnaryKind kind, float alpha = 1f, float beta = 0f) : Op
{
    public UnaryKind Function { get; } = kind;
    public float Alpha { get; } = alpha;
    public float Beta { get; } = beta;
    public override string Kind => "unary";
    public override string Describe() => Function.ToString().ToLowerInvariant();

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Describe());
        ExpectDType(inputs[0], DType.F32, "input");
        return inputs[0];
    }
}
