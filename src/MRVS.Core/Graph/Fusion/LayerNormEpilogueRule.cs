using MRVS.Core.Graph.Ops;

namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// LayerNorm of the output of a Linear or feed-forward op (its activation and residual included) that feeds nothing
/// else, LN(y) or LN(y + r) with r of y's type: the producer, taking r as its residual, normalises its rows as its last
/// step (<see cref="INormalizingOp"/>): the post-norm transformers' LN(x + sublayer(x)). The same arithmetic on the
/// same values; on the device, few rows make it one launch (kernels/linear.cu's linear_few_rows), more rows keep the
/// LayerNorm kernel after the GEMM.
/// </summary>
public sealed class LayerNormEpilogueRule : IFusionRule
{
    public string Name => "layer_norm → linear epilogue";

    public FusedNode? Rewrite(Op op, IReadOnlyList<Value> inputs, FusionContext context)
    {
        if (op is not LayerNormOp ln) return null;
        var (gamma, beta) = (inputs[^2], inputs[^1]);
        for (int side = 0; side < (ln.HasResidual ? 2 : 1); side++)
        {
            if (context.Absorbable<Op>(inputs[side]) is not
                { Op: INormalizingOp { NormEps: null } and IResidualOp r } producer) continue;
            Value[] residual = ln.HasResidual ? [inputs[1 - side]] : [];
            if (ln.HasResidual && (!r.TakesResidual || !residual[0].Type.Equals(inputs[side].Type))) continue;
            var normalizing = (INormalizingOp)(ln.HasResidual ? r.WithResidual() : producer.Op);
            return new FusedNode(normalizing.WithLayerNorm(ln.Eps), [.. producer.Inputs, .. residual, gamma, beta]);
        }
        return null;
    }
}
