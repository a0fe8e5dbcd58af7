using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Models.Building;

namespace MRVS.Models.Voc;

/// <summary>The post-norm layers of voc.py (batch-first here: [batch, length, d]).</summary>
public static class VocLayers
{
    /// <summary>SelfAttentionLayer: LN(x + MHA(x + pos, x + pos, x)).</summary>
    public static Value SelfAttention(GraphBuilder b, Value x, string prefix, int heads, Value? pos = null)
    {
        var qk = pos is null ? x : b.Plus(x, pos, $"{prefix}.query");
        return b.LayerNorm(b.MultiheadAttention(qk, qk, x, $"{prefix}.self_attn", heads), $"{prefix}.norm",
            residual: x);
    }

    /// <summary>CrossAttentionLayer: LN(x + MHA(x + pos, memory + memoryPos, memory)).</summary>
    public static Value CrossAttention(GraphBuilder b, Value x, Value memory, string prefix, int heads, Value? pos =
        null, Value? memoryPos = null)
    {
        var q = pos is null ? x : b.Plus(x, pos, $"{prefix}.query");
        var k = memoryPos is null ? memory : b.Plus(memory, memoryPos, $"{prefix}.key");
        return b.LayerNorm(b.MultiheadAttention(q, k, memory, $"{prefix}.multihead_attn", heads), $"{prefix}.norm",
            residual: x);
    }

    /// <summary>FFNLayer: LN(x + W2·ReLU(W1·x)).</summary>
    public static Value Ffn(GraphBuilder b, Value x, string prefix, int hidden)
    {
        var h = b.Linear(x, $"{prefix}.linear1", hidden, Activation.Relu);
        return b.LayerNorm(b.Linear(h, $"{prefix}.linear2", x.Dim(-1)), $"{prefix}.norm", residual: x);
    }

    /// <summary>Batch-first [n, S, d] as upstream's sequence-first [S, n, d] tap.</summary>
    public static void TapSequenceFirst(GraphBuilder b, string name, Value x) => b.Tap(name, b.Permute(x, name, 1, 0,
        2));
}
