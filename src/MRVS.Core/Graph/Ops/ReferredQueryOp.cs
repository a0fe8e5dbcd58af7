using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// The referred object of a clip, decided once on the backend (B = 1): each query's clip score is the max over classes
/// of the mean over frames of sigmoid(class logit); the chosen query has the highest (the first on ties). Input
/// pred_cls F32 [T, 1, Q, K]; output the decision F32 [1 + Q + T]: the chosen query's index (exact in float32), every
/// query's clip score, then the chosen query's score in each frame (max over classes of sigmoid(class logit)).
/// <see cref="ReferredMaskOp"/> and every host reader take this decision instead of choosing again.
/// </summary>
public sealed class ReferredQueryOp : Op
{
    public override string Kind => "referred_query";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Kind);
        var cls = inputs[0];
        Expect(cls.DType == DType.F32 && cls.Rank == 4 && cls[1] == 1 && cls[2] > 0 && cls[3] > 0,
            $"class logits are {cls}, expected F32[T, 1, Q, K] with at least one query and class");
        return new TensorType(DType.F32, [Length(cls[2], cls[0])]);
    }

    /// <summary>
    /// Elements of the decision for <paramref name="queries"/> queries over <paramref name="frames"/> frames.
    /// </summary>
    public static int Length(int queries, int frames) => 1 + queries + frames;

    /// <summary>The chosen query's index.</summary>
    public static int Query(ReadOnlySpan<float> decision) => (int)decision[0];

    /// <summary>Every query's clip score.</summary>
    public static ReadOnlySpan<float> ClipScores(ReadOnlySpan<float> decision, int frames) => decision[1..^frames];

    /// <summary>The chosen query's score in each frame.</summary>
    public static ReadOnlySpan<float> FrameScores(ReadOnlySpan<float> decision, int frames) => decision[^frames..];
}
