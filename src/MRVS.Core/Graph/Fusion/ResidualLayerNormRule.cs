using MRVS.Core.Graph.Ops;

namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// LayerNorm(a + b) with a and b of the sum's type, the sum feeding nothing else: the LayerNorm's residual form adds
/// them in its first sweep over each row (float addition, the same bits), so the sum is never written out.
/// </summary>
public sealed class ResidualLayerNormRule : IFusionRule
{
    public string Name => "residual add → layer_norm";

    public FusedNode? Rewrite(Op op, IReadOnlyList<Value> inputs, FusionContext context)
    {
        if (op is not LayerNormOp { HasResidual: false } ln) return null;
        if (context.Absorbable<BinaryOp>(inputs[0]) is not { Op: BinaryOp { Operation: BinaryKind.Add } } add)
            return null;
        var (a, b) = (add.Inputs[0], add.Inputs[1]);
        if (!a.Type.Equals(inputs[0].Type) || !b.Type.Equals(inputs[0].Type)) return null;
        return new FusedNode(new LayerNormOp(ln.Eps, residual: true), [a, b, inputs[1], inputs[2]]);
    }
}
