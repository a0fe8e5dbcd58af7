using MRVS.Core.Graph.Ops;

namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// A GroupNorm of a channels-last map permuted to NCHW, permuted straight back (the input projections: conv, GroupNorm,
/// then tokens) becomes a channels-last GroupNorm of the map: two permutes fewer. The same statistics over the same
/// values, summed in another order: within rounding.
/// </summary>
public sealed class GroupNormPermutesRule : IFusionRule
{
    public string Name => "group_norm between permutes → channels last";

    public FusedNode? Rewrite(Op op, IReadOnlyList<Value> inputs, FusionContext context)
    {
        if (op is not PermuteOp { Perm: [0, 2, 3, 1] }
            || context.Absorbable<GroupNormOp>(inputs[0]) is not { Op: GroupNormOp { ChannelsLast: false } norm } gn
            || context.Absorbable<PermuteOp>(gn.Inputs[0]) is not { Op: PermuteOp { Perm: [0, 3, 1, 2] } } first)
            return null;
        return new FusedNode(new GroupNormOp(norm.Groups, norm.Eps, norm.Relu, channelsLast: true),
            [first.Inputs[0], gn.Inputs[1], gn.Inputs[2]]);
    }
}
