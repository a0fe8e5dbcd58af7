using MRVS.Core.Graph.Fusion;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Core.Graph;

/// <summary>The folded graph. It owns the constants the pass computed.</summary>
public sealed class FoldResult : GraphPassResult
{
    internal FoldResult(ComputeGraph graph, IReadOnlyDictionary<Value, Value> map, int folded, int dropped,
        List<Tensor> owned) : base("constant folding", graph, map, owned)
    {
        Folded = folded;
        Dropped = dropped;
    }

    /// <summary>Nodes computed once, when the graph was folded, instead of in every run.</summary>
    public int Folded { get; }

    /// <summary>Nodes dropped as identities once their other operand was known (a product with ones).</summary>
    public int Dropped { get; }
}

/// <summary>
/// Constant folding, run by the executor before the fusion pass: every node whose inputs are all constants is computed
/// once, on the executor's own backend, and its result becomes a constant of the graph. With B = 1 the padding masks
/// are constants, so this takes the positional encodings, valid ratios, reference points, key-padding masks and the
/// decoder's query positions out of the forward. A product with a constant of ones is then dropped (the deformable
/// attention's value masking, where nothing is padding), and a Linear of tokens plus their (now constant) positional
/// encoding takes the encoding's product with its weight as a constant addend, and one of a value plus itself the
/// value with its weight doubled (see <see cref="Distributable"/>); the addend rounds differently, within the
/// fixtures' tolerance. Views of weights stay views; a view of a computed value is computed too, so that the constant
/// behind it is visible to the identity check.
/// </summary>
public static class ConstantFolding
{
    /// <summary>Runs <paramref name="graph"/> (constants only, no inputs) and returns its taps
    /// <paramref name="outputs"/>, in order, as host tensors the caller then owns.</summary>
    public delegate IReadOnlyList<Tensor> Evaluator(ComputeGraph graph, IReadOnlyList<string> outputs);

    public static FoldResult Apply(ComputeGraph graph, IReadOnlyCollection<Value> outputs, Evaluator evaluate)
    {
        var needed = GraphFusion.Needed(outputs);
        // Known: what constants alone determine. Computed: the known values a kernel makes (views of weights stay).
        var (known, computed) = (new HashSet<Value>(), new HashSet<Value>());
        foreach (var n in graph.Nodes.Where(needed.Contains))
        {
            if (!n.Inputs.All(i => i.Kind == ValueKind.Constant || known.Contains(i))) continue;
            known.Add(n.Output);
            if (!n.Op.IsView || computed.Contains(n.Inputs[0])) computed.Add(n.Output);
        }

        // Run-time nodes (less the sums whose Linears take their terms apart), and the computed values they, kept
        // views or the caller read.
        var requested = outputs.ToHashSet();
        var distributed = Distributable(graph, needed, known, requested);
        var sums = distributed.Keys.Select(l => l.Inputs[0].Producer!).ToHashSet();
        var runTime = graph.Nodes.Where(n => needed.Contains(n) && !computed.Contains(n.Output) && !sums.Contains(n))
            .ToList();
        var frontier = computed.Where(requested.Contains).ToHashSet();
        foreach (var n in runTime) frontier.UnionWith(n.Inputs.Where(computed.Contains));

        var map = new Dictionary<Value, Value>();
        var owned = new List<Tensor>();
        var folded = new ComputeGraph();
        foreach (var (name, v) in graph.Inputs) map[v] = folded.Input(name, v.DType, v.Shape);
        var order = graph.Nodes.Select(n => n.Output).Where(frontier.Contains).ToList();
        var addends = new Dictionary<Node, Value>();
        if (order.Count + distributed.Count > 0)
        {
            var values = evaluate(Subgraph(graph, known, order, distributed),
                [.. Enumerable.Range(0, order.Count + distributed.Count).Select(Tap)]).ToArray();
            foreach (var (linear, i) in distributed.Keys.Select((l, i) => (l, order.Count + i)))
                if (!distributed[linear].Doubled && !values[i].Shape.AsSpan().SequenceEqual(linear.Output.Shape))
                {
                    var broadcast = Broadcast(values[i], linear.Output.Shape);
                    values[i].Dispose();
                    values[i] = broadcast;
                }
            owned.AddRange(values);
            for (int i = 0; i < order.Count; i++) map[order[i]] = folded.Constant(order[i].Name, values[i]);
            foreach (var (linear, i) in distributed.Keys.Select((l, i) => (l, order.Count + i)))
                addends[linear] = folded.Constant($"{linear.Name}.{(distributed[linear].Doubled ? "weight_doubled"
                    : "constant_part")}", values[i]);
        }

        int dropped = 0;
        Value Map(Value v) => map[v] = map.GetValueOrDefault(v) ?? GraphFusion.Copy(folded, v);
        foreach (var n in runTime)
        {
            // A distributed Linear reads x, not the sum (which is not copied).
            var inputs = n.Inputs.Select((v, i) => i == 0 && distributed.TryGetValue(n, out var d) ? d.X : v)
                .Select(Map).ToArray();
            if (addends.TryGetValue(n, out var addend))
            {
                // (x + x)·Wᵀ + b as x·(2W)ᵀ + b, exactly; (x + c)·Wᵀ + b as x·Wᵀ + (c·Wᵀ + b): the sum goes into the
                // GEMM's epilogue as a residual.
                map[n.Output] = distributed[n].Doubled ? folded.Add(n.Op, n.Name, [inputs[0], addend, .. inputs[2..]])
                    : folded.Add(new BinaryOp(BinaryKind.Add), n.Name,
                        folded.Add(new LinearOp(), $"{n.Name}.run_time_part", inputs[0], inputs[1]), addend);
            }
            else if (Identity(n, inputs) is { } same) { map[n.Output] = same; dropped++; }
            else map[n.Output] = folded.Add(n.Op, n.Name, inputs);
        }
        foreach (var o in outputs) Map(o);
        foreach (var name in graph.TapNames)
            if (map.TryGetValue(graph.Taps[name], out var v)) folded.Tap(name, v);
        int foldedNodes = graph.Nodes.Count(n => needed.Contains(n) && computed.Contains(n.Output));
        return new FoldResult(folded, map, foldedNodes, dropped, owned);
    }

    /// <summary>
    /// The Linears of a run-time value plus a known one (x + c, e.g. tokens plus their positional encoding), with x
    /// for each: (x + c)·Wᵀ + b = x·Wᵀ + (c·Wᵀ + b), whose second term is then known, so the sum's launch goes and
    /// its addition rides in each GEMM's epilogue (a grouped GEMM's too, <see cref="GroupedLinearOp"/>); and those of
    /// a value plus itself (SOC++'s v2p key, the tokens as their own positional term), doubled: (x + x)·Wᵀ =
    /// x·(2W)ᵀ, to the bit. Only where the sum feeds nothing else (nor the caller) and has x's shape (c may broadcast:
    /// VOC's query embedding over its decoder layers).
    /// </summary>
    private static Dictionary<Node, (Value X, bool Doubled)> Distributable(ComputeGraph graph, HashSet<Node> needed,
        HashSet<Value> known, HashSet<Value> requested)
    {
        var consumers = new Dictionary<Value, List<Node>>();
        foreach (var n in graph.Nodes.Where(needed.Contains))
            foreach (var i in n.Inputs.Distinct())
            {
                if (!consumers.TryGetValue(i, out var list)) consumers[i] = list = [];
                list.Add(n);
            }
        var result = new Dictionary<Node, (Value, bool)>();
        foreach (var n in graph.Nodes.Where(n => needed.Contains(n) && !known.Contains(n.Output)))
        {
            if (n.Op is not BinaryOp { Operation: BinaryKind.Add } || requested.Contains(n.Output)) continue;
            bool Known(Value v) => v.Kind == ValueKind.Constant || known.Contains(v);
            var (a, c) = Known(n.Inputs[1]) ? (n.Inputs[0], n.Inputs[1]) : (n.Inputs[1], n.Inputs[0]);
            bool doubled = a == c;
            if ((!Known(c) && !doubled) || Known(a) || !a.Type.Equals(n.Output.Type)) continue;
            var linears = consumers.GetValueOrDefault(n.Output) ?? [];
            bool Plain(Node l) => l.Op is LinearOp { Activation: Activation.None, HasResidual: false, NormEps: null }
                && l.Inputs[0] == n.Output && l.Inputs.Skip(1).All(w => w.Kind == ValueKind.Constant);
            if (linears.Count == 0 || !linears.All(Plain)) continue;
            foreach (var l in linears) result[l] = (a, doubled);
        }
        return result;
    }

    /// <summary>The nodes that compute <paramref name="order"/>, with their constants, and for each distributed
    /// Linear its known part (c·Wᵀ + b, at c's shape) or its doubled weight, as a graph tapping them in that order as
    /// <see cref="Tap"/>(index).</summary>
    private static ComputeGraph Subgraph(ComputeGraph graph, HashSet<Value> known, List<Value> order,
        Dictionary<Node, (Value X, bool Doubled)> distributed)
    {
        var sub = new ComputeGraph();
        var map = new Dictionary<Value, Value>();
        Value Map(Value v) => map[v] = map.GetValueOrDefault(v) ?? GraphFusion.Copy(sub, v);
        foreach (var n in graph.Nodes.Where(n => known.Contains(n.Output)))
            map[n.Output] = sub.Add(n.Op, n.Name, [.. n.Inputs.Select(Map)]);
        var taps = order.Select(Map).ToList();
        foreach (var (linear, (x, doubled)) in distributed)
        {
            if (doubled)
            {
                taps.Add(sub.Add(new UnaryOp(UnaryKind.Affine, 2f), $"{linear.Name}.weight_doubled",
                    Map(linear.Inputs[1])));
                continue;
            }
            var sum = linear.Inputs[0].Producer!;
            var c = sum.Inputs[0] == x ? sum.Inputs[1] : sum.Inputs[0];
            Value[] inputs = [Map(c), .. linear.Inputs.Skip(1).Select(Map)];
            taps.Add(sub.Add(linear.Op, $"{linear.Name}.constant_part", inputs));
        }
        for (int i = 0; i < taps.Count; i++) sub.Tap(Tap(i), taps[i]);
        return sub;
    }

    private static string Tap(int index) => $"folded.{index}";

    /// <summary>A float32 tensor repeated to <paramref name="shape"/> under NumPy broadcasting, on the host.</summary>
    private static Tensor Broadcast(Tensor t, int[] shape)
    {
        var result = Tensor.Zeros(DType.F32, shape);
        Span<float> from = t.Span<float>(), to = result.Span<float>();
        var strides = Shape.BroadcastStrides(t.Shape, shape);
        var index = new int[shape.Length];
        for (int i = 0; i < to.Length; i++)
        {
            long at = 0;
            for (int d = 0; d < shape.Length; d++) at += index[d] * strides[d];
            to[i] = from[(int)at];
            for (int d = shape.Length - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
        }
        return result;
    }

    /// <summary>
    /// The operand a product returns unchanged, when its other operand is a constant of ones that does not broadcast it
    /// to a larger shape; else null.
    /// </summary>
    private static Value? Identity(Node n, Value[] inputs)
    {
        if (n.Op is not BinaryOp { Operation: BinaryKind.Mul }) return null;
        bool Ones(Value c, Value other) => c.Kind == ValueKind.Constant && other.Type.Equals(n.Output.Type)
            && All(c, 1f);
        return Ones(inputs[1], inputs[0]) ? inputs[0] : Ones(inputs[0], inputs[1]) ? inputs[1] : null;
    }

    private static bool All(Value constant, float value)
    {
        foreach (float x in constant.Constant!.Span<float>())
            if (x != value) return false;
        return true;
    }
}
