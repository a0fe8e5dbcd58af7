using MRVS.Core.Graph.Ops;

namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// A Swin window merge of a Linear (the attention's proj) of a window attention, each feeding nothing else: the
/// attention stores its rows merged (<see cref="WindowAttentionOp.Merge"/>: natural order [D, H, W, C], padding rows
/// not stored) and the Linear runs over those rows, so the merge pass disappears and the block's skip connection then
/// goes into the Linear's epilogue (<see cref="ResidualAddRule"/>). A Linear is row-wise, so permuting its input rows
/// permutes its output rows: the same bits, and the GEMM skips the padding rows the merge dropped.
/// </summary>
public sealed class SwinWindowMergeRule : IFusionRule
{
    public string Name => "swin window merge → window_attention stores";

    public FusedNode? Rewrite(Op op, IReadOnlyList<Value> inputs, FusionContext context)
    {
        if (op is not SwinWindowMergeOp merge) return null;
        if (context.Absorbable<LinearOp>(inputs[0]) is not
            { Op: LinearOp { HasResidual: false, NormEps: null } linear } proj)
            return null;
        if (context.Absorbable<WindowAttentionOp>(proj.Inputs[0]) is not
            { Op: WindowAttentionOp { Merge: null } attention } windows) return null;
        var merged = context.Add(attention.WithMergedStores(new SwinWindowMergeOp(merge.Window, merge.Depth,
            merge.Height, merge.Width)), windows.Name, [.. windows.Inputs]);
        Value[] rest = merge.HasResidual ? [.. proj.Inputs.Skip(1), inputs[1]] : [.. proj.Inputs.Skip(1)];
        return new FusedNode(merge.HasResidual ? linear.WithResidual() : linear, [merged, .. rest]);
    }
}
