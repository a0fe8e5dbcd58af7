using MRVS.Core.Graph.Ops;

namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// A permute of a permute becomes one permute of the first one's input, or a view of it where the two cancel: the
/// deformable transformer flattens back to tokens the NCHW maps that the fusion had just made of its tokens. Moves
/// the same values, so no bit changes.
/// </summary>
public sealed class PermutePairRule : IFusionRule
{
    public string Name => "permute of a permute → one";

    public FusedNode? Rewrite(Op op, IReadOnlyList<Value> inputs, FusionContext context)
    {
        if (op is not PermuteOp second || context.Absorbable<PermuteOp>(inputs[0]) is not { } producer) return null;
        var first = (PermuteOp)producer.Op;
        var source = producer.Inputs[0];
        int[] perm = [.. second.Perm.Select(p => first.Perm[p])];
        return perm.Select((p, i) => p == i).All(same => same)
            ? new FusedNode(new ReshapeOp(source.Shape), [source])
            : new FusedNode(new PermuteOp(perm), [source]);
    }
}
