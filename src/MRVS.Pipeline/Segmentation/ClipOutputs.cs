using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Pipeline.Segmentation;

/// <summary>
/// One clip's outputs before post-processing (B = 1): the backend's decision of the referred query F32 [1 + Q + T]
/// (<see cref="ReferredQueryOp"/>), class logits F32 [T, 1, Q, K], mask logits F32 [T, 1, Q, h/4, w/4], and the
/// sizes the post-processing maps them back through: the resized frame (the model's input, no padding for one
/// video) and the original frame.
/// </summary>
public sealed record ClipOutputs(Tensor Decision, Tensor PredCls, Tensor PredMasks, (int H, int W) Resized,
    (int H, int W) Original) : IDisposable
{
    /// <summary>Frees the three tensors.</summary>
    public void Dispose()
    {
        Decision.Dispose();
        PredCls.Dispose();
        PredMasks.Dispose();
    }
}
