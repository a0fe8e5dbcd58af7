using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>Where the 1/√d scale is applied; both orders exist upstream and round differently.</summary>
public enum AttentionScaling
{
    /// <summary>nn.MultiheadAttention (torch ≤ 1.13): q is scaled before QKᵀ.</summary>
    ScaleQuery,
    /// <summary>Hugging Face RoBERTa: QKᵀ is divided after the product.</summary>
    ScaleScores,
}

/// <summary>
/// Multi-head scaled dot-product attention on projected tensors, batch-first:
/// q [B, Lq, E], k [B, Lk, E], v [B, Lk, Ev], optional key padding mask Bool [B, Lk] (True = ignore),
/// optional additive mask F32 [Lq, Lk]. Heads split E (and Ev) into equal head-major slices. Output [B, Lq, Ev].
/// </summary>
public sealed class AttentionOp(int heads, AttentionScaling scaling = AttentionScaling.ScaleQuery,
    bool keyPaddingMask = false, bool additiveMask = false) : Op
{
    public int Heads { get; } = heads;
    public AttentionScaling Scaling { get; } = scaling;
    public bool HasKeyPaddingMask { get; } = keyPaddingMask;
    public bool HasAdditiveMask { get; } = additiveMask;
    public override string Kind => "attention";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        int n = 3 + (HasKeyPaddingMask ? 1 : 0) + (HasAdditiveMask ? 1 : 0);
        ExpectCount(inputs, n, n, "attention");
        var (q, k, v) = (inputs[0], inputs[1], inputs[2]);
        Expect(q.Rank == 3 && k.Rank == 3 && v.Rank == 3, $"q {q}, k {k}, v {v} must be [batch, length, channels]");
        Expect(q[0] == k[0] && k[0] == v[0], $"batch sizes differ: q {q}, k {k}, v {v}");
        Expect(q[2] == k[2], $"query channels {q[2]} ≠ key channels {k[2]}");
        Expect(k[1] == v[1], $"key length {k[1]} ≠ value length {v[1]}");
        Expect(q[2] % Heads == 0 && v[2] % Heads == 0, $"channels {q[2]}/{v[2]} not divisible by {Heads} heads");
        int next = 3;
        if (HasKeyPaddingMask)
        {
            var m = inputs[next++];
            Expect(m.DType == DType.Bool && m.Rank == 2 && m[0] == k[0] && m[1] == k[1],
                $"key padding mask is {m}, expected Bool[{k[0]}, {k[1]}]");
        }
        if (HasAdditiveMask)
        {
            var m = inputs[next];
            Expect(m.DType == DType.F32 && m.Rank == 2 && m[0] == q[1] && m[1] == k[1],
                $"additive mask is {m}, expected F32[{q[1]}, {k[1]}]");
        }
        return new TensorType(DType.F32, [q[0], q[1], v[2]]);
    }

    /// <summary>QKᵀ and the weighted sum of V over every head: 2·B·Lq·Lk·(E + Ev).</summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        2L * inputs[0][0] * inputs[0][1] * inputs[1][1] * (inputs[0][2] + inputs[2][2]);
}
