using MRVS.Core.Graph.Ops;

namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// a + b where one side comes from an op that can add a residual itself (<see cref="IResidualOp"/>: Linear,
/// feed-forward, Swin window merge) and feeds nothing else, and the other side has the sum's own type (no broadcast):
/// the producer adds the other side as its last step. Float addition commutes, so the result is the same to the bit;
/// one pass over the tensor (and one buffer) less.
/// </summary>
public sealed class ResidualAddRule : IFusionRule
{
    public string Name => "residual add → producer";

    public FusedNode? Rewrite(Op op, IReadOnlyList<Value> inputs, FusionContext context)
    {
        if (op is not BinaryOp { Operation: BinaryKind.Add }) return null;
        for (int side = 0; side < 2; side++)
        {
            Value produced = inputs[side], residual = inputs[1 - side];
            if (context.Absorbable<Op>(produced) is not { Op: IResidualOp { TakesResidual: true } r } producer)
                continue;
            if (!residual.Type.Equals(produced.Type)) continue;
            return new FusedNode(r.WithResidual(), [.. producer.Inputs, residual]);
        }
        return null;
    }
}
