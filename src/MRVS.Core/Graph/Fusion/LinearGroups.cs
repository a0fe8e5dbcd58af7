using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// Linears that read the same value with weights of one shape (RoBERTa's query, key and value; the deformable
/// decoder's self-attention query and key, both of tgt + pos): one <see cref="GroupedLinearOp"/> at the first member's
/// place, whose stacked weights and biases are copied once when the graph is rewritten, and each member's output a
/// <see cref="SelectOp"/> view of its block, so no byte is copied at run time. The members' results are computed as
/// before (the CPU runs each member's GEMM as its Linear did; the GPU one batched GEMM), so the same bits on the CPU.
/// </summary>
/// <remarks>
/// Members are Linears with a bias or a constant addend and no activation, whose weight and bias are constants: what
/// the model has (the addends are those <see cref="ConstantFolding"/> gives the Linears of tokens plus their positional
/// encoding, such as the decoder's self-attention q and k, grouped then with v). Linears of different widths are not
/// grouped: one GEMM writing both would interleave them in every row, where their consumers read each as contiguous
/// rows (the deformable attention's sampling_offsets and attention_weights, whose one consumer reads such rows, are
/// stacked by the model, <c>MsDeformAttention</c>). A member's width is a multiple of <see cref="ColumnMultiple"/>, so
/// that every block starts on the memory planner's alignment as a buffer of its own would (vector loads and cuBLASLt's
/// alignment assume it).
/// The stacked output lives from the first member's step to the last read of any member's: a longer life than the
/// members' own in the arena, for a few rows of the model width.
/// </remarks>
internal static class LinearGroups
{
    public const string Name = "linears sharing an input → grouped_linear";

    /// <summary>Output columns a member's width must be a multiple of: 256 bytes of float32.</summary>
    public const int ColumnMultiple = 64;

    /// <summary>Groups of two or more members among <paramref name="nodes"/>, keyed by their first member (in graph
    /// order); the members in graph order.</summary>
    public static Dictionary<Node, IReadOnlyList<Node>> Find(IEnumerable<Node> nodes) =>
        nodes.Where(IsMember)
            .GroupBy(n => (Input: n.Inputs[0], Out: n.Inputs[1].Dim(0), In: n.Inputs[1].Dim(1)))
            .Where(g => g.Count() > 1)
            .ToDictionary(g => g.First(), g => (IReadOnlyList<Node>)[.. g]);

    /// <summary>A Linear without activation whose weight is a constant, with a constant bias or a constant addend
    /// (the residual <see cref="ConstantFolding"/> gives a Linear of an input plus a constant), not both.</summary>
    private static bool IsMember(Node n) =>
        n.Op is LinearOp { Activation: Activation.None, NormEps: null } linear
        && linear.HasBias(n.Inputs.Count) != linear.HasResidual
        && n.Inputs.Skip(1).All(i => i is { Kind: ValueKind.Constant, DType: DType.F32 })
        && n.Inputs[1].Dim(0) % ColumnMultiple == 0;

    /// <summary>Each member's bias or addend (input 2, whichever it has) where <paramref name="has"/>, else null
    /// (zeros).</summary>
    private static IReadOnlyList<Tensor?> Parts(IReadOnlyList<Node> members, Func<Node, bool> has) =>
        [.. members.Select(m => has(m) ? m.Inputs[2].Constant : null)];

    /// <summary>
    /// Adds the group's op to <paramref name="into"/> with stacked copies of the members' weights and biases (added to
    /// <paramref name="owned"/>), and a view per member; returns the views, in the members' order.
    /// </summary>
    /// <param name="input">The members' input, a value of <paramref name="into"/>.</param>
    public static IReadOnlyList<Value> Add(ComputeGraph into, IReadOnlyList<Node> members, Value input,
        List<Tensor> owned)
    {
        string name = GroupName(members.Select(m => m.Name).ToList());
        static bool Residual(Node m) => ((LinearOp)m.Op).HasResidual;
        Value Stacked(string what, IReadOnlyList<Tensor?> parts, int[] shape) =>
            into.Constant($"{name}.{what}", Stack(parts, shape, owned));
        var weights = Stacked("weight", [.. members.Select(m => m.Inputs[1].Constant)], members[0].Inputs[1].Shape);
        var biases = Stacked("bias", Parts(members, m => !Residual(m)), [members[0].Inputs[1].Dim(0)]);
        Value[] inputs = members.Any(Residual)
            ? [input, weights, biases, Stacked("addend", Parts(members, Residual), members[0].Output.Shape)]
            : [input, weights, biases];
        var stacked = into.Add(new GroupedLinearOp(), name, inputs);
        return [.. members.Select((m, i) => into.Add(new SelectOp(i), m.Name, stacked))];
    }

    /// <summary>The members' tensors of <paramref name="shape"/> stacked along a new first axis (zeros for
    /// null).</summary>
    private static unsafe Tensor Stack(IReadOnlyList<Tensor?> parts, int[] shape, List<Tensor> owned)
    {
        var stacked = Tensor.Zeros(DType.F32, [parts.Count, .. shape]);
        owned.Add(stacked);
        long bytes = stacked.ByteLength / parts.Count;
        for (int i = 0; i < parts.Count; i++)
            if (parts[i] is { } part)
                Buffer.MemoryCopy((void*)part.Data, (byte*)stacked.Data + i * bytes, bytes, bytes);
        return stacked;
    }

    /// <summary>"layer.0.attention.self.{query,key,value}": the members' common prefix up to a dot, then each one's
    /// rest.</summary>
    private static string GroupName(IReadOnlyList<string> names)
    {
        int common = 0;
        while (common < names[0].Length && names.All(n => n.Length > common && n[common] == names[0][common])) common++;
        int prefix = names[0].LastIndexOf('.', Math.Max(common - 1, 0)) + 1;
        if (common == 0) prefix = 0;
        return $"{names[0][..prefix]}{{{string.Join(",", names.Select(n => n[prefix..]))}}}";
    }
}
