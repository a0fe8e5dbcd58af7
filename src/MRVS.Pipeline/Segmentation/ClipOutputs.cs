using MRVS.Core.Tensors;

namespace MRVS.Pipeline.Segmentation;

/// <summary>
/// The heads' raw outputs of one clip (B = 1): class logits F32 [T, 1, Q, K], mask logits F32 [T, 1, Q, h/4, w/4],
/// and the sizes the post-processing maps them back through: the resized frame (the model's input, no padding for
/// one video) and the original frame.
/// </summary>
public sealed record ClipOutputs(Tensor PredCls, Tensor PredMasks, (int H, int W) Resized, (int H, int W) Original)
    : IDisposable
{
    public void Dispose()
    {
        PredCls.Dispose();
        PredMasks.Dispose();
    }
}
