using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// NewVOC's scored memory: the frame queries weighted by their frame's score s = visibility + language match +
/// 0.5 · variance (upstream's order of additions), y[l, t·Q + q, c] = F[l, t, q, c] · s[t, l]. Inputs: frame queries
/// F [n, T, Q, C] and the three scores [T, n, 1] (score_embd, the language match, diff_embd). Output [n, T·Q, C], the
/// token sequence the NewVOC encoder attends over.
/// </summary>
public sealed class FrameScoreAggregationOp : Op
{
    public const float VarianceWeight = 0.5f;
    public override string Kind => "frame_score_aggregation";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 4, 4, "frame score aggregation");
        var f = inputs[0];
        Expect(f.DType == DType.F32 && f.Rank == 4,
            $"frame queries are {f}, expected F32[layers, T, queries, d_model]");
        int n = f[0], t = f[1];
        string[] names = ["visibility", "language match", "variance"];
        for (int i = 0; i < 3; i++)
        {
            var s = inputs[i + 1];
            Expect(s.DType == DType.F32 && s.Shape.AsSpan().SequenceEqual([t, n, 1]),
                $"{names[i]} score is {s}, expected F32[{t}, {n}, 1] (one per frame and layer)");
        }
        return new TensorType(DType.F32, [n, t * f[2], f[3]]);
    }
}
