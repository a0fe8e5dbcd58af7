using MRVS.Core.Graph;
using MRVS.Core.Tensors;

namespace MRVS.Core.Execution;

/// <summary>
/// Plans intermediate memory by liveness into one arena. A buffer is live from the step that writes it to the
/// last step that reads it or any view of it. Requested outputs are copied out right after they are produced, so
/// they need no longer life, unless <c>keepOutputs</c>: then they live to the end of the schedule, to be copied out
/// after a replayed run (a captured run cannot copy to the host in between). Placement is greedy best-fit, largest
/// buffers first.
/// A node's output never shares memory with any of its inputs: an input's last read and the output's first write are
/// the same step, so their lives overlap. The kernels rely on it: they take every pointer <c>__restrict__</c>, which
/// lets the GPU load inputs through the read-only cache and reorder loads past stores. In-place work would give wrong
/// results on the GPU only (the emulation ignores <c>__restrict__</c>), so every plan is checked
/// (<see cref="CheckNoAliasing"/>).
/// A value the backend also keeps a copy of (<see cref="IBackend.StoredCopies"/>) has the copy in its own buffer, at
/// <see cref="CopyOffset"/>: same life, no placement of its own.
/// </summary>
public static class MemoryPlanner
{
    public const int Alignment = 256;

    /// <param name="copies">The element type of the copy each such value keeps in its buffer.</param>
    public static MemoryPlan Plan(ComputeGraph graph, IReadOnlyCollection<Value> outputs, bool keepOutputs = false,
        IReadOnlyDictionary<Value, DType>? copies = null)
    {
        var schedule = Prune(graph, outputs);
        var position = new Dictionary<Node, int>();
        for (int i = 0; i < schedule.Count; i++) position[schedule[i]] = i;

        // Step at which each root buffer is first written (-1 for inputs, fed before step 0) and last read.
        var first = new Dictionary<Value, int>();
        var last = new Dictionary<Value, int>();
        foreach (var v in graph.Inputs.Values) { first[v] = -1; last[v] = -1; }
        for (int i = 0; i < schedule.Count; i++)
        {
            var n = schedule[i];
            foreach (var input in n.Inputs)
            {
                var root = Root(input);
                if (root.Kind == ValueKind.Constant) continue;
                last[root] = Math.Max(last.GetValueOrDefault(root, i), i);
            }
            var outRoot = Root(n.Output);
            if (outRoot.Kind == ValueKind.Constant) continue;
            if (!first.ContainsKey(outRoot)) first[outRoot] = i;
            last[outRoot] = Math.Max(last.GetValueOrDefault(outRoot, i), i);
        }
        if (keepOutputs)
            foreach (var v in outputs)
                if (last.ContainsKey(Root(v))) last[Root(v)] = schedule.Count;

        var placed = new List<BufferPlacement>();
        long arena = 0;
        foreach (var (v, start) in first.OrderByDescending(kv => kv.Key.Type.Bytes).ThenBy(kv => kv.Key.Id))
        {
            long bytes = CopyOffset(v);
            if (copies is not null && copies.TryGetValue(v, out var copy))
                bytes += Align(v.Type.Elements * copy.Size());
            int end = last[v];
            var conflicts = placed.Where(p => p.First <= end && start <= p.Last).OrderBy(p => p.Offset).ToList();
            long offset = 0, bestOffset = -1, bestGap = long.MaxValue;
            foreach (var c in conflicts)
            {
                long gap = c.Offset - offset;
                if (gap >= bytes && gap < bestGap) { bestGap = gap; bestOffset = offset; }
                offset = Math.Max(offset, c.Offset + c.Bytes);
            }
            if (bestOffset < 0) bestOffset = offset;
            placed.Add(new BufferPlacement(v, bestOffset, bytes, start, end));
            arena = Math.Max(arena, bestOffset + bytes);
        }
        var buffers = placed.ToDictionary(p => p.Value);
        CheckNoAliasing(schedule, buffers);
        return new MemoryPlan(schedule, buffers, arena);
    }

    /// <summary>Where a value's copy starts in its buffer: after the value, aligned.</summary>
    public static long CopyOffset(Value root) => Align(Math.Max(root.Type.Bytes, 1));

    /// <summary>Throws when a node's output overlaps one of its inputs in memory (views and constants aside).</summary>
    public static void CheckNoAliasing(IReadOnlyList<Node> schedule,
        IReadOnlyDictionary<Value, BufferPlacement> buffers)
    {
        foreach (var n in schedule)
        {
            if (n.Op.IsView || !buffers.TryGetValue(Root(n.Output), out var output)) continue;
            foreach (var input in n.Inputs)
            {
                if (!buffers.TryGetValue(Root(input), out var read)) continue;
                if (read.Offset < output.Offset + output.Bytes && output.Offset < read.Offset + read.Bytes)
                    throw new InvalidOperationException($"memory plan: {n.Name}'s output [{output.Offset}, "
                        + $"+{output.Bytes}) overlaps its input {input.Name} [{read.Offset}, +{read.Bytes}); kernels "
                        + "read inputs through __restrict__ pointers and must not run in place");
            }
        }
    }

    /// <summary>The buffer a value's memory belongs to: itself, or for a view the value it views.</summary>
    public static Value Root(Value v) => Locate(v).Root;

    /// <summary>The buffer a value's memory belongs to and where in it the value starts, in bytes (a view of a member
    /// of a stacked tensor starts past the members before it).</summary>
    public static (Value Root, long Offset) Locate(Value v)
    {
        long offset = 0;
        while (v.Producer is { Op.IsView: true } p)
        {
            offset += p.Op.ViewOffset(p.Inputs[0].Type);
            v = p.Inputs[0];
        }
        return (v, offset);
    }

    private static long Align(long bytes) => (bytes + Alignment - 1) / Alignment * Alignment;

    /// <summary>The nodes the outputs depend on, in graph order.</summary>
    private static List<Node> Prune(ComputeGraph graph, IReadOnlyCollection<Value> outputs)
    {
        var needed = new HashSet<Node>();
        var stack = new Stack<Value>(outputs);
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            if (v.Producer is not { } n || !needed.Add(n)) continue;
            foreach (var i in n.Inputs) stack.Push(i);
        }
        return graph.Nodes.Where(needed.Contains).ToList();
    }
}
