using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// The fused graph, and how many times each rule fired. It owns the constants the pass made (stacked weights of
/// grouped Linears).
/// </summary>
public sealed class FusionResult : GraphPassResult
{
    internal FusionResult(ComputeGraph graph, IReadOnlyDictionary<Value, Value> map,
        IReadOnlyDictionary<string, int> fired, int nodesBefore, List<Tensor> owned)
        : base("the fusion pass", graph, map, owned)
    {
        Fired = fired;
        NodesBefore = nodesBefore;
    }

    /// <summary>
    /// Nodes the outputs needed before the pass (views included); <see cref="GraphPassResult.Graph"/> holds the rest.
    /// </summary>
    public int NodesBefore { get; }

    public int NodesAfter => Graph.Nodes.Count;

    /// <summary>Rule name → number of nodes it rewrote.</summary>
    public IReadOnlyDictionary<string, int> Fired { get; }
}

/// <summary>
/// The graph-level fusion pass, run by the executor before planning on every backend: the nodes the requested outputs
/// need are copied in order into a new graph, each one first offered to the rules, which may replace it by a fused op
/// that takes over its producers' work (a Linear's bias, activation and a following residual add in the GEMM's
/// epilogue, residual add + LayerNorm, a Linear feeding a Linear as one feed-forward op, the LayerNorm after either,
/// the Swin skip connection in the window merge, the Swin window partition in the LayerNorm before it, the window
/// merge in the window attention's stores, a permute of a permute, a 1×1 conv or a GroupNorm between permutes done
/// channels last). Then Linears that
/// share an input become one grouped op (<see cref="LinearGroups"/>). Values the caller requests are never absorbed,
/// so every requested tensor still exists; absorbed nodes are dropped. Each fused op's kernels exist on every
/// backend.
/// </summary>
public static class GraphFusion
{
    /// <summary>The rules the executor applies, in the order they are offered each node.</summary>
    public static IReadOnlyList<IFusionRule> DefaultRules { get; } =
        [
            new LinearActivationRule(), new FeedForwardRule(), new ResidualAddRule(), new ResidualLayerNormRule(),
            new SwinWindowLayerNormRule(), new SwinWindowMergeRule(), new PermutePairRule(), new ChannelsLastConvRule(),
            new GroupNormPermutesRule(), new LayerNormEpilogueRule(),
        ];

    /// <summary>Rewrites the part of <paramref name="graph"/> that <paramref name="outputs"/> need.</summary>
    public static FusionResult Apply(ComputeGraph graph, IReadOnlyCollection<Value> outputs,
        IReadOnlyList<IFusionRule>? rules = null)
    {
        rules ??= DefaultRules;
        var needed = Needed(outputs);
        var uses = new Dictionary<Value, int>();
        foreach (var n in graph.Nodes.Where(needed.Contains))
            foreach (var i in n.Inputs) uses[i] = uses.GetValueOrDefault(i) + 1;
        var kept = new HashSet<Value>(outputs);

        var rewritten = new ComputeGraph();
        var map = new Dictionary<Value, Value>();
        var original = new Dictionary<Value, Value>();
        var fired = new Dictionary<string, int>();
        var context = new FusionContext(
            v => original.TryGetValue(v, out var o) && uses.GetValueOrDefault(o) == 1 && !kept.Contains(o),
            rewritten.Add);
        foreach (var (name, v) in graph.Inputs) map[v] = rewritten.Input(name, v.DType, v.Shape);
        foreach (var n in graph.Nodes.Where(needed.Contains))
        {
            Op op = n.Op;
            IReadOnlyList<Value> inputs = n.Inputs.Select(i =>
                map[i] = map.GetValueOrDefault(i) ?? Copy(rewritten, i)).ToList();
            for (bool changed = true; changed;)
            {
                changed = false;
                foreach (var rule in rules)
                {
                    if (rule.Rewrite(op, inputs, context) is not { } f) continue;
                    (op, inputs) = (f.Op, f.Inputs);
                    fired[rule.Name] = fired.GetValueOrDefault(rule.Name) + 1;
                    changed = true;
                }
            }
            var output = rewritten.Add(op, n.Name, [.. inputs]);
            map[n.Output] = output;
            original[output] = n.Output;
        }
        foreach (var o in outputs.Where(o => o.Kind == ValueKind.Constant && !map.ContainsKey(o)))
            map[o] = Copy(rewritten, o);
        return Compact(graph, rewritten, map, outputs, fired, needed.Count);
    }

    /// <summary>The nodes (of any graph) that <paramref name="outputs"/> depend on.</summary>
    internal static HashSet<Node> Needed(IEnumerable<Value> outputs)
    {
        var needed = new HashSet<Node>();
        var stack = new Stack<Value>(outputs);
        while (stack.Count > 0)
            if (stack.Pop().Producer is { } p && needed.Add(p))
                foreach (var i in p.Inputs) stack.Push(i);
        return needed;
    }

    /// <summary>A constant of the original graph into <paramref name="into"/>, when a node first reads it.</summary>
    internal static Value Copy(ComputeGraph into, Value v) =>
        v.Kind == ValueKind.Constant ? into.Constant(v.Name, v.Constant!)
            : throw new InvalidOperationException($"'{v.Name}' is used before it is produced");

    /// <summary>
    /// A copy of the rewritten graph without the absorbed (now unused) nodes, its Linears that share an input grouped,
    /// with the original's taps that survive.
    /// </summary>
    private static FusionResult Compact(ComputeGraph graph, ComputeGraph rewritten, Dictionary<Value, Value> map,
        IReadOnlyCollection<Value> outputs, Dictionary<string, int> fired, int nodesBefore)
    {
        var live = Needed(outputs.Select(o => map[o]));
        var groups = LinearGroups.Find(rewritten.Nodes.Where(live.Contains));
        var grouped = groups.Values.SelectMany(g => g).ToHashSet();
        if (grouped.Count > 0) fired[LinearGroups.Name] = grouped.Count;
        var owned = new List<Tensor>();
        var final = new ComputeGraph();
        var copy = new Dictionary<Value, Value>();
        Value Map(Value v) => copy[v] = copy.GetValueOrDefault(v) ?? Copy(final, v);
        foreach (var (name, v) in rewritten.Inputs) copy[v] = final.Input(name, v.DType, v.Shape);
        foreach (var n in rewritten.Nodes.Where(live.Contains))
        {
            if (groups.TryGetValue(n, out var members))
            {
                var views = LinearGroups.Add(final, members, Map(n.Inputs[0]), owned);
                for (int i = 0; i < members.Count; i++) copy[members[i].Output] = views[i];
            }
            else if (!grouped.Contains(n)) copy[n.Output] = final.Add(n.Op, n.Name, [.. n.Inputs.Select(Map)]);
        }
        foreach (var o in outputs.Select(o => map[o]).Where(o => !copy.ContainsKey(o))) copy[o] = Copy(final, o);
        var result = new Dictionary<Value, Value>();
        foreach (var (o, v) in map)
            if (copy.TryGetValue(v, out var f)) result[o] = f;
        foreach (var name in graph.TapNames)
            if (result.TryGetValue(graph.Taps[name], out var v)) final.Tap(name, v);
        return new FusionResult(final, result, fired, nodesBefore, owned);
    }
}
