using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// The Ref-YouTube-VOS post-processing as one op (B = 1): choose the query with the highest clip score (max over
/// classes of the mean over frames of sigmoid(class logit), first one on ties), resize its mask logits bilinearly
/// (align_corners = False) to the padded input size, threshold sigmoid &gt; 0.5, crop the padding to the resized frame
/// and resize with legacy nearest to the original frame size. Inputs pred_cls F32 [T, 1, Q, K] and pred_masks
/// F32 [T, 1, Q, h4, w4]; output U8 [T, 1, original H, original W] of 0/1. Only the chosen query's logits are read, at
/// the pixels the nearest resize picks, so the full-resolution logits never exist.
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
        var (cls, masks) = (inputs[0], inputs[1]);
        Expect(cls.DType == DType.F32 && cls.Rank == 4 && cls[1] == 1, $"class logits are {cls}, expected F32[T, 1, Q, K]");
        Expect(masks.DType == DType.F32 && masks.Rank == 5 && masks[0] == cls[0] && masks[1] == 1 && masks[2] == cls[2],
            $"mask logits are {masks}, expected F32[{cls[0]}, 1, {cls[2]}, h, w] like the class logits {cls}");
        Expect(Resized.H <= Padded.H && Resized.W <= Padded.W && Resized.H > 0 && Resized.W > 0,
            $"resized frame {Resized.H}×{Resized.W} must be non-empty and fit the padded input {Padded.H}×{Padded.W}");
        Expect(Original.H > 0 && Original.W > 0, $"original frame size {Original.H}×{Original.W} is empty");
        return new TensorType(DType.U8, [cls[0], 1, Original.H, Original.W]);
    }
}
