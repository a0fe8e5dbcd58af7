using MRVS.Core.Graph.Ops;

namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// ReLU, GELU, sigmoid or tanh of a Linear without activation (and without residual) that feeds nothing else: the
/// Linear applies the activation in its GEMM epilogue. The CPU evaluates GELU over spans within one ulp of the scalar
/// element-wise op's value; the others are the same functions.
/// </summary>
public sealed class LinearActivationRule : IFusionRule
{
    public string Name => "activation → linear";

    public FusedNode? Rewrite(Op op, IReadOnlyList<Value> inputs, FusionContext context)
    {
        if (op is not UnaryOp u) return null;
        var activation = u.Function switch
        {
            UnaryKind.Relu => Activation.Relu,
            UnaryKind.Gelu => Activation.Gelu,
            UnaryKind.Sigmoid => Activation.Sigmoid,
            UnaryKind.Tanh => Activation.Tanh,
            _ => Activation.None,
        };
        if (activation == Activation.None) return null;
        if (context.Absorbable<LinearOp>(inputs[0]) is not
            {
                Op: LinearOp
                {
                    Activation: Activation.None,
                    HasResidual: false,
                    NormEps: null
                }
            } linear) return null;
        return new FusedNode(new LinearOp(activation), linear.Inputs);
    }
}
