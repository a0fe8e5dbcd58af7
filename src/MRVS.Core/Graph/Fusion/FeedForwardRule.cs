using MRVS.Core.Graph.Ops;

namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// Linear₂(Linear₁(x)), both with biases, Linear₂ without activation or residual and Linear₁ feeding nothing
/// else: one <see cref="FeedForwardOp"/>, which never holds the hidden activations in full (the transformer FFNs: 4×
/// or 8× the model width, the largest tensors of the forward).
/// </summary>
public sealed class FeedForwardRule : IFusionRule
{
    public string Name => "linear → linear as feed_forward";

    public FusedNode? Rewrite(Op op, IReadOnlyList<Value> inputs, FusionContext context)
    {
        if (op is not LinearOp { Activation: Activation.None, HasResidual: false, NormEps: null } second
            || !second.HasBias(inputs.Count)) return null;
        if (context.Absorbable<LinearOp>(inputs[0]) is not
            { Op: LinearOp { HasResidual: false, NormEps: null } first } hidden) return null;
        if (!first.HasBias(hidden.Inputs.Count)) return null;
        return new FusedNode(new FeedForwardOp(first.Activation), [.. hidden.Inputs, inputs[1], inputs[2]]);
    }
}
