using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// The multimodal fusion of SOC / SOC++ (vlf, lvf, v2p) after its q/k/v projections: target ⊙ (MHA(q, k, v)·Wᵀ +
/// b), nn.MultiheadAttention's attention (q scaled before QKᵀ, padded keys ignored) and output projection, gated by
/// the target tokens. Inputs: q [B, Lq, E], k [B, Lk, E], v [B, Lk, E], out_proj weight [E, E] and bias [E], target [B,
/// Lq, E], optional key padding mask Bool [B, Lk] (True = padded memory token). Heads split E into equal head-major
/// slices. Output [B, Lq, E].
/// </summary>
public sealed class CrossModalFusionOp(int heads, bool keyPaddingMask = false) : Op
{
    public int Heads { get; } = heads;
    public bool HasKeyPaddingMask { get; } = keyPaddingMask;
    public override string Kind => "cross_modal_fusion";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        int n = HasKeyPaddingMask ? 7 : 6;
        ExpectCount(inputs, n, n, "cross-modal fusion");
        var (q, k, v, w, bias, target) = (inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], inputs[5]);
        foreach (var t in inputs.Take(6)) ExpectDType(t, DType.F32, "cross-modal fusion operand");
        Expect(q.Rank == 3 && k.Rank == 3 && v.Rank == 3,
            $"projected target {q}, memory keys {k} and values {v} must be [batch, tokens, channels]");
        int e = q[2];
        Expect(k[2] == e && v[2] == e, $"projected target {q}, memory keys {k} and values {v} must share one width");
        Expect(k[0] == q[0] && v[0] == q[0], $"batch sizes differ: projected target {q}, memory keys {k}, values {v}");
        Expect(k[1] == v[1], $"{k[1]} memory keys but {v[1]} memory values");
        Expect(e % Heads == 0, $"width {e} does not split into {Heads} heads");
        Expect(w.Rank == 2 && w[0] == e && w[1] == e, $"out_proj weight is {w}, expected [{e}, {e}]");
        Expect(bias.Rank == 1 && bias[0] == e, $"out_proj bias is {bias}, expected [{e}]");
        Expect(target.Equals(q),
            $"target tokens are {target}, expected {q} like their projection (the fusion multiplies them)");
        if (HasKeyPaddingMask)
        {
            var m = inputs[6];
            Expect(m.DType == DType.Bool && m.Rank == 2 && m[0] == k[0] && m[1] == k[1],
                $"memory padding mask is {m}, expected Bool[{k[0]}, {k[1]}] (one flag per memory token)");
        }
        return q;
    }

    /// <summary>
    /// The attention (QKᵀ and the weighted sum of V: 4·B·Lq·Lk·E) and out-projection (2·B·Lq·E²).
    /// </summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        4L * output[0] * output[1] * inputs[1][1] * output[2] + 2 * output.Elements * output[2];
}
