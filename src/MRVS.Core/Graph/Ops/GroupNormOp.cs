using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// GroupNorm over x [N, C, *spatial] with per-channel γ, β, optionally followed by ReLU. Inputs: x, γ, β. Channels
/// last, x is [N, *spatial, C] (the input projection's map as tokens, <see cref="Fusion.GroupNormPermutesRule"/>).
/// </summary>
public sealed class GroupNormOp(int groups, float eps, bool relu = false, bool channelsLast = false) : Op
{
    public int Groups { get; } = groups;
    public float Eps { get; } = eps;
    public bool Relu { get; } = relu;
    public bool ChannelsLast { get; } = channelsLast;
    public override string Kind => "group_norm";
    public override string Describe() => Kind + (Relu ? "+relu" : "") + (ChannelsLast ? "(channels last)" : "");

    /// <summary>The channel axis of an input of this rank.</summary>
    public int ChannelAxis(int rank) => ChannelsLast ? rank - 1 : 1;

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 3, 3, "group_norm");
        var x = inputs[0];
        ExpectDType(x, DType.F32, "input");
        Expect(x.Rank >= 2, $"input {x}: expected [N, C, *spatial] or [N, *spatial, C]");
        int c = x[ChannelAxis(x.Rank)];
        Expect(c % Groups == 0, $"input {x}: {c} channels not divisible into {Groups} groups");
        Expect(inputs[1].Rank == 1 && inputs[1][0] == c && inputs[2].Equals(inputs[1]),
            $"γ/β {inputs[1]} do not match {c} channels");
        return x;
    }
}
