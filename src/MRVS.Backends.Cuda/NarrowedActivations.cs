using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda;

/// <summary>
/// The float32 intermediates the backend keeps as 16-bit GEMM operands in fp16 / bf16 mode: those whose producer can
/// store them narrowed (<see cref="ICudaKernel.WritesNarrowed"/>: the LayerNorms, the attentions, the deformable
/// attention, a GEMM whose epilogue takes its Linear's form) and whose
/// every read, through views too, is a GEMM operand that takes them as they are (<see
/// cref="ICudaKernel.ReadsNarrowed"/>: a Linear's, feed-forward's or MatMul's input). The producer then rounds each
/// element once as it stores it, as cast_narrow would before every GEMM that reads it, so the GEMMs' numbers are the
/// same and the cast launches and the float32 round trip are gone. The value keeps its arena buffer (sized for
/// float32); only its first half is written. Decided once per plan from the schedule, not from addresses at run time:
/// the planner keeps the buffer the value's own from its producer to its last reader, so no other write can come
/// between, and every run (a captured one too) launches the same kernels with the same arguments. Requested outputs
/// stay float32: the executor copies them out as the graph types them.
/// </summary>
internal static class NarrowedActivations
{
    public static IReadOnlyDictionary<Value, DType> Plan(IReadOnlyList<Node> schedule, IReadOnlySet<Value> outputs,
        DType operands)
    {
        var narrowed = new Dictionary<Value, DType>();
        if (operands == DType.F32) return narrowed;
        var kept = outputs.Select(MemoryPlanner.Root).ToHashSet();
        var reads = Reads(schedule);
        foreach (var n in schedule)
        {
            var v = n.Output;
            if (n.Op.IsView || v.DType != DType.F32 || kept.Contains(v) || !reads.TryGetValue(v, out var list))
                continue;
            if (KernelLaunches.KernelOf(n.Op) is { } producer && producer.WritesNarrowed(n)
                && list.All(r => TakesNarrowed(r.Node, r.Input)))
                narrowed[v] = operands;
        }
        return narrowed;
    }

    /// <summary>
    /// The float32 intermediates that GEMMs and other kernels both read (a LayerNorm's output read by the next
    /// Linear and by the residual add after it), whose producer can store a second, 16-bit copy in the same pass
    /// (<see cref="ICudaKernel.WritesCopy"/>: the LayerNorms): the GEMM reads take the copy, rounded once as
    /// cast_narrow would round it before each of them, so their numbers are the same without the casts' launches and
    /// float32 re-reads; every other read, and a caller, gets the float32 value. A value that only GEMMs read and no
    /// caller asked for has no copy: <see cref="Plan"/> narrows it (every producer of a copy can store narrowed).
    /// </summary>
    public static StoredCopies Copies(IReadOnlyList<Node> schedule, IReadOnlySet<Value> outputs, DType operands)
    {
        if (operands == DType.F32) return StoredCopies.None;
        var kept = outputs.Select(MemoryPlanner.Root).ToHashSet();
        var types = new Dictionary<Value, DType>();
        var copyReads = new HashSet<(Node, int)>();
        foreach (var (v, list) in Reads(schedule))
        {
            if (v.Producer is not { } n || v.DType != DType.F32
                || KernelLaunches.KernelOf(n.Op) is not { } producer || !producer.WritesCopy(n))
                continue;
            var gemmReads = list.Where(r => TakesNarrowed(r.Node, r.Input)).ToList();
            if (gemmReads.Count == 0 || (gemmReads.Count == list.Count && !kept.Contains(v))) continue;
            types[v] = operands;
            copyReads.UnionWith(gemmReads);
        }
        return new StoredCopies(types, copyReads);
    }

    /// <summary>Every non-view node's reads of each root value, views of it included.</summary>
    private static Dictionary<Value, List<(Node Node, int Input)>> Reads(IReadOnlyList<Node> schedule)
    {
        var reads = new Dictionary<Value, List<(Node Node, int Input)>>();
        foreach (var n in schedule)
        {
            if (n.Op.IsView) continue;
            for (int i = 0; i < n.Inputs.Count; i++)
            {
                var root = MemoryPlanner.Root(n.Inputs[i]);
                if (!reads.TryGetValue(root, out var list)) reads[root] = list = [];
                list.Add((n, i));
            }
        }
        return reads;
    }

    private static bool TakesNarrowed(Node node, int input) =>
        KernelLaunches.KernelOf(node.Op)?.ReadsNarrowed(node, input) == true;
}
