using MRVS.Core.Execution;
using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Backends.Cuda;

/// <summary>
/// The float32 intermediates the backend keeps as 16-bit GEMM operands in fp16 / bf16 mode: those whose producer can
/// store them narrowed (<see cref="ICudaKernel.WritesNarrowed"/>: the LayerNorms', the attentions') and whose
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
        foreach (var n in schedule)
        {
            var v = n.Output;
            if (n.Op.IsView || v.DType != DType.F32 || kept.Contains(v) || !reads.TryGetValue(v, out var list))
                continue;
            if (KernelLaunches.KernelOf(n.Op) is { } producer && producer.WritesNarrowed(n)
                && list.All(r => KernelLaunches.KernelOf(r.Node.Op)?.ReadsNarrowed(r.Node, r.Input) == true))
                narrowed[v] = operands;
        }
        return narrowed;
    }
}
