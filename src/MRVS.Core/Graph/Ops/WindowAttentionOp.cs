using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Fused window self-attention of Video Swin: qkv [nW, N, 3C] (q, k, v blocks, heads inside each) → per window and
/// head softmax((q·scale)·kᵀ + bias[head] (+ shift mask)) · v → [nW, N, C], scale = (C/heads)^−½.
/// Inputs: qkv, bias [heads, N, N][, regions [nW, N]]. The shifted-window mask is given by its region labels (one per
/// token of each window, as upstream's compute_mask labels the padded volume): −100 between tokens of different
/// regions, 0 within one, added after the bias. Labels instead of the [nW, N, N] mask keep the table N times smaller.
/// </summary>
public sealed class WindowAttentionOp(int heads, bool masked) : Op
{
    /// <summary>
    /// What the shifted-window mask adds between tokens of different regions (upstream: −100, not −inf).
    /// </summary>
    public const float ShiftMaskValue = -100f;

    public int Heads { get; } = heads;
    public bool Masked { get; } = masked;
    public override string Kind => "window_attention";
    public override string Describe() => $"{Kind}(heads {Heads}{(Masked ? ", shift mask" : "")})";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        int n = Masked ? 3 : 2;
        ExpectCount(inputs, n, n, Kind);
        var (qkv, bias) = (inputs[0], inputs[1]);
        Expect(Heads > 0, $"{Heads} heads");
        Expect(qkv.DType == DType.F32 && qkv.Rank == 3 && qkv[2] % (3 * Heads) == 0,
            $"qkv is {qkv}, expected F32[windows, tokens, 3·C] with C divisible by {Heads} heads");
        Expect(bias.DType == DType.F32 && bias.Rank == 3 && bias[0] == Heads && bias[1] == qkv[1] && bias[2] == qkv[1],
            $"relative position bias is {bias}, expected F32[{Heads}, {qkv[1]}, {qkv[1]}]");
        if (Masked)
        {
            var regions = inputs[2];
            Expect(regions.DType == DType.F32 && regions.Rank == 2 && regions[0] == qkv[0] && regions[1] == qkv[1],
                $"shift-mask regions are {regions}, expected F32[{qkv[0]}, {qkv[1]}] (windows, tokens)");
        }
        return new TensorType(DType.F32, [qkv[0], qkv[1], qkv[2] / 3]);
    }

    /// <summary>QKᵀ and the weighted sum of V per window over every head: 4·nW·N²·C.</summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        4L * output[0] * output[1] * output[1] * output[2];
}
