using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;
using MRVS.Models.Building;
using MRVS.Models.Config;

namespace MRVS.Models.Fusion;

/// <summary>
/// MMF (<c>vlf</c>, <c>lvf</c>, <c>v2p</c>): tgt ⊙ MHA(query = tgt, key = memory + pos, value = memory), with no
/// residual and no norm. Sequences are batch-first [1, S, d] (B = 1, so the same memory as seq-first). After the
/// q/k/v projections everything is one <see cref="CrossModalFusionOp"/> (attention, out_proj and the gate).
/// </summary>
public static class MultimodalFusion
{
    /// <param name="module">The weights' module name (vlf, lvf, v2p), shared by every level it runs at.</param>
    /// <param name="name">This call's node names, e.g. "vlf.2".</param>
    public static Value Build(GraphBuilder b, string module, string name, Value target, Value memory, Value? memoryPos,
        Value? memoryPaddingMask)
    {
        CheckInputs(b.Config, module, name, target, memory, memoryPos, memoryPaddingMask);
        string prefix = $"{module}.multihead_attn";
        int d = target.Dim(2);
        var key = memoryPos is null ? memory : b.Plus(memory, memoryPos, $"{name}.key");
        var (q, k, v) = b.InputProjections(target, key, memory, prefix, name);
        Value[] inputs = [q, k, v, b.Weight($"{prefix}.out_proj.weight", d, d), b.Weight($"{prefix}.out_proj.bias", d),
            target];
        var op = new CrossModalFusionOp(ModelConfig.FusionHeads, keyPaddingMask: memoryPaddingMask is not null);
        return b.Add(op, name, memoryPaddingMask is null ? inputs : [.. inputs, memoryPaddingMask]);
    }

    /// <summary>A sequence [1, S, d] viewed as the fixtures' sequence-first [S, 1, d].</summary>
    public static Value SequenceFirst(GraphBuilder b, Value x, string name) => b.Reshape(x, name, x.Dim(1), 1,
        x.Dim(2));

    private static void CheckInputs(ModelConfig cfg, string module, string name, Value target, Value memory,
        Value? memoryPos, Value? memoryPaddingMask)
    {
        var (fused, attended) = module switch
        {
            "vlf" => ("visual tokens", "words"),
            "v2p" => ("proxies", "fused visual tokens"),
            "lvf" => ("words", "visual tokens or proxies"),
            _ => throw new ArgumentException($"no multimodal fusion module named '{module}' (vlf, lvf, v2p)",
                nameof(module)),
        };
        int d = cfg.Transformer.DModel;
        if (target.DType != DType.F32 || target.Rank != 3 || target.Dim(0) != 1 || target.Dim(2) != d)
            throw new ShapeException($"{name}: {fused} are {target.Type}, expected F32[1, S, {d}] (one sequence of " +
                $"d_model features)");
        if (memory.DType != DType.F32 || memory.Rank != 3 || memory.Dim(0) != 1 || memory.Dim(2) != d)
            throw new ShapeException($"{name}: {attended} are {memory.Type}, expected F32[1, M, {d}] (one sequence " +
                $"of d_model features)");
        if (memoryPos is not null && !memoryPos.Type.Equals(memory.Type))
            throw new ShapeException($"{name}: position encoding of the {attended} is {memoryPos.Type}, expected " +
                $"{memory.Type} like them");
        if (memoryPaddingMask is not null && (memoryPaddingMask.DType != DType.Bool
            || !memoryPaddingMask.Shape.AsSpan().SequenceEqual([1, memory.Dim(1)])))
            throw new ShapeException($"{name}: padding mask of the {attended} is {memoryPaddingMask.Type}, expected " +
                $"Bool[1, {memory.Dim(1)}]");
    }
}
