using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// The Ref-YouTube-VOS post-processing of the chosen query as one op (B = 1): resize its mask logits bilinearly
/// (align_corners = False) to the padded input size, threshold sigmoid &gt; 0.5, crop the padding to the resized frame
/// and resize with legacy nearest to the original frame size. Inputs the decision of <see cref="ReferredQueryOp"/>
/// F32 [1 + Q + T] and pred_masks F32 [T, 1, Q, h4, w4]; output U8 [T, 1, original H, original W] of 0/1. Only the
/// chosen query's logits are read, at the pixels the nearest resize picks, so the full-resolution logits never exist.
/// </summary>
public sealed class ReferredMaskOp((int H, int W) padded, (int H, int W) resized, (int H, int W) original) : Op
{
    public (int H, int W) Padded { get; } = padded;
    public (int H, int W) Resized { get; } = resized;
    public (int H, int W) Original { get; } = original;
    public override string Kind => "referred_mask";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 2, 2, Kind);
        var (decision, masks) = (inputs[0], inputs[1]);
        Expect(masks.DType == DType.F32 && masks.Rank == 5 && masks[1] == 1,
            $"mask logits are {masks}, expected F32[T, 1, Q, h, w]");
        int length = ReferredQueryOp.Length(masks[2], masks[0]);
        Expect(decision.DType == DType.F32 && decision.Rank == 1 && decision[0] == length,
            $"the query decision is {decision}, expected F32[{length}] (referred_query over the {masks[2]} queries of "
                + $"{masks[0]} frames)");
        Expect(Resized.H <= Padded.H && Resized.W <= Padded.W && Resized.H > 0 && Resized.W > 0,
            $"resized frame {Resized.H}×{Resized.W} must be non-empty and fit the padded input "
                + $"{Padded.H}×{Padded.W}");
        Expect(Original.H > 0 && Original.W > 0, $"original frame size {Original.H}×{Original.W} is empty");
        return new TensorType(DType.U8, [masks[0], 1, Original.H, Original.W]);
    }
}
