using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Models.Building;

namespace MRVS.Models.Deformable;

/// <summary>
/// MSDeformAttn (encoder self-attention, decoder cross-attention): value projection with padded rows zeroed, the
/// sampling_offsets and attention_weights linears of the query (one GEMM: their rows stacked), the sampling core,
/// output projection. The core takes that GEMM's output and the reference points as they are
/// (<see cref="MsDeformAttnOp"/>'s fused form): the per-head softmax over the L·P samples and the sampling locations
/// are computed inside it, never materialised.
/// </summary>
public static class MsDeformAttention
{
    /// <summary>The module's output and the two linears' parts of what the core consumed (for <see
    /// cref="UpstreamSampling"/>).</summary>
    public sealed record Result(Value Output, Value Offsets, Value Logits);

    /// <param name="query">[N, Lq, d] (with its positional term).</param>
    /// <param name="reference">[N, Lq, L, 2 | 4].</param>
    /// <param name="input">[N, S, d], the flattened levels.</param>
    /// <param name="keep">[N, S, 1] 1 for valid tokens, 0 for padding.</param>
    public static Result Build(GraphBuilder b, string prefix, Value query, Value reference, Value input, Value keep,
        int[][] shapes, int points)
    {
        int n = query.Dim(0), d = query.Dim(2), heads = b.Config.Transformer.NHeads, levels = shapes.Length;
        var value = b.Times(b.Linear(input, $"{prefix}.value_proj", d), keep, $"{prefix}.value_masked");
        // sampling_offsets and attention_weights read the query: one GEMM, their rows stacked, each row of its result
        // the offsets then the logits (what the core reads).
        int samples = heads * levels * points;
        string o = $"{prefix}.sampling_offsets", a = $"{prefix}.attention_weights";
        var projection = b.Linear(query, b.StackedRows($"{o}+attention_weights.weight", ($"{o}.weight",
            [2 * samples, d]), ($"{a}.weight", [samples, d])), b.StackedRows($"{o}+attention_weights.bias",
            ($"{o}.bias", [2 * samples]), ($"{a}.bias", [samples])), $"{o}+attention_weights");
        var valueHeads = b.Reshape(value, $"{prefix}.value_heads", n, input.Dim(1), heads, d / heads);
        var sampled = b.Add(new MsDeformAttnOp(shapes), $"{prefix}.core", valueHeads, projection, reference);
        return new Result(b.Linear(sampled, $"{prefix}.output_proj", d),
            b.Slice(projection, 2, 0, 2 * samples, o), b.Slice(projection, 2, 2 * samples, samples, a));
    }

    /// <summary>
    /// Upstream's attention weights [N, Lq, M, L, P] and sampling locations [N, Lq, M, L, P, 2], the tensors the
    /// fused core never writes, rebuilt from generic ops in upstream's formula and float32 order for the taps the
    /// fixtures compare. Nothing else reads them, so the planner runs these nodes only when such a tap is requested.
    /// </summary>
    public static (Value Weights, Value Locations) UpstreamSampling(GraphBuilder b, string prefix, Result attn,
        Value reference, int[][] shapes, int points)
    {
        int n = attn.Logits.Dim(0), lq = attn.Logits.Dim(1), heads = b.Config.Transformer.NHeads,
            levels = shapes.Length;
        var logits = b.Reshape(attn.Logits, $"{prefix}.attention_logits", n, lq, heads, levels * points);
        var weights = b.Reshape(b.Add(new SoftmaxOp(), $"{prefix}.softmax", logits), $"{prefix}.attention_weights.view",
            n, lq, heads, levels, points);
        var offsets = b.Reshape(attn.Offsets, $"{prefix}.sampling_offsets.view", n, lq, heads, levels, points, 2);
        int rd = reference.Dim(-1);
        var r = b.Reshape(reference, $"{prefix}.reference.view", n, lq, 1, levels, 1, rd);
        if (rd == 2)
        {
            var normalizer = b.Constant($"{prefix}.offset_normalizer",
                shapes.SelectMany(s => new float[] { s[1], s[0] }).ToArray(), levels, 1, 2);
            return (weights, b.Plus(r, b.Binary(BinaryKind.Div, offsets, normalizer, $"{prefix}.offsets_normalised"),
                $"{prefix}.sampling_locations"));
        }
        var perPoint = b.Binary(BinaryKind.Div, offsets, b.Constant($"{prefix}.n_points", [points], 1),
            $"{prefix}.offsets_per_point");
        var scaled = b.Times(b.Times(perPoint, b.Slice(r, 5, 2, 2, $"{prefix}.reference.wh"), $"{prefix}.offsets_wh"),
            b.Constant($"{prefix}.half", [0.5f], 1), $"{prefix}.offsets_half_wh");
        return (weights, b.Plus(b.Slice(r, 5, 0, 2, $"{prefix}.reference.xy"), scaled, $"{prefix}.sampling_locations"));
    }
}
