using MRVS.Core.Config;
using MRVS.Core.Graph;
using MRVS.Models.Building;

namespace MRVS.Models.Fusion;

/// <summary>
/// MMF (<c>vlf</c>, <c>lvf</c>, <c>v2p</c>): tgt ⊙ MHA(query = tgt, key = memory + pos, value = memory), with no
/// residual and no norm. Sequences are batch-first [1, S, d] (B = 1, so the same memory as seq-first).
/// </summary>
public static class MultimodalFusion
{
    /// <param name="module">The weights' module name (vlf, lvf, v2p), shared by every level it runs at.</param>
    /// <param name="name">This call's node names, e.g. "vlf.2".</param>
    public static Value Build(GraphBuilder b, string module, string name, Value target, Value memory, Value? memoryPos, Value? memoryPaddingMask)
    {
        var key = memoryPos is null ? memory : b.Plus(memory, memoryPos, $"{name}.key");
        var attended = b.MultiheadAttention(target, key, memory, $"{module}.multihead_attn", ModelConfig.FusionHeads, memoryPaddingMask, name);
        return b.Times(target, attended, $"{name}.gate");
    }

    /// <summary>A sequence [1, S, d] viewed as the fixtures' sequence-first [S, 1, d].</summary>
    public static Value SequenceFirst(GraphBuilder b, Value x, string name) => b.Reshape(x, name, x.Dim(1), 1, x.Dim(2));
}
