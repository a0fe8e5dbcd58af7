using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Models.Building;

namespace MRVS.Models.Deformable;

/// <summary>
/// MSDeformAttn (encoder self-attention, decoder cross-attention): value projection with padded rows zeroed,
/// sampling offsets and per-head softmax weights over the L·P samples from the query, the sampling core, output
/// projection. Returns the output and, for the taps, the attention weights and sampling locations.
/// </summary>
public static class MsDeformAttention
{
    public sealed record Result(Value Output, Value AttentionWeights, Value SamplingLocations);

    /// <param name="query">[N, Lq, d] (with its positional term).</param>
    /// <param name="reference">[N, Lq, L, 2 | 4].</param>
    /// <param name="input">[N, S, d], the flattened levels.</param>
    /// <param name="keep">[N, S, 1] 1 for valid tokens, 0 for padding.</param>
    public static Result Build(GraphBuilder b, string prefix, Value query, Value reference, Value input, Value keep,
        int[][] shapes, int points)
    {
        int n = query.Dim(0), lq = query.Dim(1), d = query.Dim(2), heads = b.Config.Transformer.NHeads, levels =
            shapes.Length;
        var value = b.Times(b.Linear(input, $"{prefix}.value_proj", d), keep, $"{prefix}.value_masked");
        var offsets = b.Linear(query, $"{prefix}.sampling_offsets", heads * levels * points * 2);
        var logits = b.Reshape(b.Linear(query, $"{prefix}.attention_weights", heads * levels * points),
            $"{prefix}.attention_logits", n, lq, heads, levels * points);
        var weights = b.Reshape(b.Add(new SoftmaxOp(), $"{prefix}.softmax", logits), $"{prefix}.attention_weights.view",
            n, lq, heads, levels, points);
        var locations = b.Add(new DeformableSamplingLocationsOp(heads, points, shapes), $"{prefix}.sampling_locations",
            offsets, reference);
        var sampled = b.Add(new MsDeformAttnOp(shapes), $"{prefix}.core", b.Reshape(value, $"{prefix}.value_heads", n,
            input.Dim(1), heads, d / heads), locations, weights);
        return new Result(b.Linear(sampled, $"{prefix}.output_proj", d), weights, locations);
    }
}
