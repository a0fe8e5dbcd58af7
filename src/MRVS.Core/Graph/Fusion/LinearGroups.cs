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
/// Members are Linears with a bias and neither activation nor residual, whose weight and bias are constants: what
/// the model has. Linears of different widths (sampling_offsets [256] and attention_weights [128] of the deformable
/// attention) are not grouped: one GEMM writing both would interleave them in every row, where their consumer reads
/// each as contiguous rows. A member's width is a multiple of <see cref="ColumnMultiple"/>, so that every block starts
/// on the memory planner's alignment as a buffer of its own would (vector loads and cuBLASLt's alignment assume it).
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

    private static bool IsMember(Node n) =>
        n.Op is LinearOp { Activation: Activation.None, HasResidual: false } linear && linear.HasBias(n.Inputs.Count)
        && n.Inputs[1] is { Kind: ValueKind.Constant, DType: DType.F32 }
        && n.Inputs[2] is { Kind: ValueKind.Constant, DType: DType.F32 }
        && n.Inputs[1].Dim(0) % ColumnMultiple == 0;

    /// <summary>
    /// Adds the group's op to <paramref name="into"/> with stacked copies of the members' weights and biases (added to
    /// <paramref name="owned"/>), and a view per member; returns the views, in the members' order.
    /// </summary>
    /// <param name="input">The members' input, a value of <paramref name="into"/>.</param>
    public static IReadOnlyList<Value> Add(ComputeGraph into, IReadOnlyList<Node> members, Value input,
        List<Tensor> owned)
    {
        string name = GroupName(members.Select(m => m.Name).ToList());
        Value Stacked(int input, string what) =>
            into.Constant($"{name}.{what}", Stack([.. members.Select(m => m.Inputs[input].Constant!)], owned));
        var (weights, biases) = (Stacked(1, "weight"), Stacked(2, "bias"));
        var stacked = into.Add(new GroupedLinearOp(), name, input, weights, biases);
        return [.. members.Select((m, i) => into.Add(new SelectOp(i), m.Name, stacked))];
    }

    /// <summary>The members' tensors (of one shape) stacked along a new first axis.</summary>
    private static unsafe Tensor Stack(IReadOnlyList<Tensor> parts, List<Tensor> owned)
    {
        var stacked = Tensor.Zeros(DType.F32, [parts.Count, .. parts[0].Shape]);
        owned.Add(stacked);
        long bytes = parts[0].ByteLength;
        for (int i = 0; i < parts.Count; i++)
            Buffer.MemoryCopy((void*)parts[i].Data, (byte*)stacked.Data + i * bytes, bytes, bytes);
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
