using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// GroupNorm over x [N, C, *spatial] with per-channel γ, β, optionally followed by ReLU. Inputs: x, γ, β.
/// </summary>
public sealed class GroupNormOp(int groups, float eps, bool relu = false) : Op
{
    public int Groups { get; } = groups;
    public float Eps { get; } = eps;
    public bool Relu { get; } = relu;
    public override string Kind => "group_norm";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 3, 3, "group_norm");
        var x = inputs[0];
        ExpectDType(x, DType.F32, "input");
        Expect(x.Rank >= 2 && x[1] % Groups == 0, $"input {x}: channels not divisible into {Groups} groups");
        Expect(inputs[1].Rank == 1 && inputs[1][0] == x[1] && inputs[2].Equals(inputs[1]),
            $"γ/β {inputs[1]} do not match {x[1]} channels");
        return x;
    }
}
