using MRVS.Core.Graph;
using MRVS.Core.Graph.Fusion;
using MRVS.Core.Tensors;

namespace MRVS.Core.Execution;

/// <summary>The graph rewrites an <see cref="Executor"/> runs before planning.</summary>
[Flags]
public enum GraphPasses
{
    None = 0,

    /// <summary><see cref="ConstantFolding"/>: what constants alone determine is computed once.</summary>
    Fold = 1,

    /// <summary><see cref="GraphFusion"/>: producers folded into their consumers' kernels.</summary>
    Fuse = 2,
    All = Fold | Fuse,
}

/// <summary>
/// A graph after the executor's passes: constant folding, whose nodes run once on a backend, then fusion. It owns the
/// constants both made: dispose it when the graph is no longer run.
/// </summary>
public sealed class GraphRewrite : IDisposable
{
    private GraphRewrite(ComputeGraph graph, FoldResult? folding, FusionResult? fusion)
    {
        Graph = graph;
        Folding = folding;
        Fusion = fusion;
    }

    public ComputeGraph Graph { get; }

    /// <summary>What constant folding did (null without <see cref="GraphPasses.Fold"/>).</summary>
    public FoldResult? Folding { get; }

    /// <summary>What the fusion pass did (null without <see cref="GraphPasses.Fuse"/>).</summary>
    public FusionResult? Fusion { get; }

    /// <summary>The constants both passes made (folded values, stacked weights), which only this graph uses.</summary>
    public IEnumerable<Tensor> OwnedConstants =>
        (Folding?.OwnedConstants ?? []).Concat(Fusion?.OwnedConstants ?? []);

    /// <summary>The rewritten graph's value for a value of the original graph that the outputs need.</summary>
    public Value this[Value original]
    {
        get
        {
            var v = Folding?[original] ?? original;
            return Fusion?[v] ?? v;
        }
    }

    /// <param name="foldOn">Where the folded nodes run (the executor's backend, so that they compute what the forward
    /// would).</param>
    public static GraphRewrite Apply(ComputeGraph graph, IReadOnlyCollection<Value> outputs, GraphPasses passes,
        IBackend foldOn, long maxArenaBytes = long.MaxValue)
    {
        FoldResult? folding = null;
        if (passes.HasFlag(GraphPasses.Fold))
        {
            folding = ConstantFolding.Apply(graph, outputs, (g, values) => Evaluate(g, values, foldOn, maxArenaBytes));
            (graph, outputs) = (folding.Graph, [.. outputs.Select(o => folding[o])]);
        }
        var fusion = passes.HasFlag(GraphPasses.Fuse) ? GraphFusion.Apply(graph, outputs) : null;
        return new GraphRewrite(fusion?.Graph ?? graph, folding, fusion);
    }

    /// <summary>Runs a graph of constants once, fused as the forward would run it.</summary>
    private static IReadOnlyList<Tensor> Evaluate(ComputeGraph graph, IReadOnlyList<string> names, IBackend backend,
        long maxArenaBytes)
    {
        using var executor = new Executor(graph, backend, names, maxArenaBytes, GraphPasses.Fuse);
        var outputs = executor.Run(new Dictionary<string, Tensor>()).Outputs;
        return [.. names.Select(n => outputs[n])];
    }

    public void Dispose()
    {
        Fusion?.Dispose();
        Folding?.Dispose();
    }
}
