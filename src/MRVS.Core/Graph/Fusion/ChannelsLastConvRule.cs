using MRVS.Core.Graph.Ops;

namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// A 1×1 convolution of a channels-last map just permuted to NCHW (a Swin stage's output, a level of the deformable
/// memory) becomes a Linear of the channels-last map, permuted after: one GEMM with its bias in the epilogue where
/// the NCHW form needed a GEMM per image and a bias pass, and the permute after it can cancel with the one that
/// flattens the result back to tokens (<see cref="GroupNormPermutesRule"/>, <see cref="PermutePairRule"/>). The
/// permute before it goes unless another node reads it (Swin's last stage also feeds the extra level's 3×3 conv). The
/// same products over the same input channels, summed by another GEMM shape: within rounding.
/// </summary>
public sealed class ChannelsLastConvRule : IFusionRule
{
    public string Name => "1×1 conv of a permuted map → linear";

    public FusedNode? Rewrite(Op op, IReadOnlyList<Value> inputs, FusionContext context)
    {
        if (op is not Conv2dOp { Stride: 1, Padding: 0 } || inputs[1].Dim(2) != 1 || inputs[1].Dim(3) != 1
            || inputs[0].Producer is not { Op: PermuteOp { Perm: [0, 3, 1, 2] } } permute) return null;
        var w = inputs[1];
        string name = inputs[0].Name;
        var rows = context.Add(new ReshapeOp(w.Dim(0), w.Dim(1)), $"{w.Name}.rows", w);
        var linear = context.Add(new LinearOp(), $"{name}.linear", [permute.Inputs[0], rows, .. inputs.Skip(2)]);
        return new FusedNode(new PermuteOp(0, 3, 1, 2), [linear]);
    }
}
