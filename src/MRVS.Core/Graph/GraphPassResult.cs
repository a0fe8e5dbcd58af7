using MRVS.Core.Tensors;

namespace MRVS.Core.Graph;

/// <summary>
/// A graph a pass rewrote (<see cref="ConstantFolding"/>, <see cref="Fusion.GraphFusion"/>), with the map from the
/// original graph's values to its own. It owns the constants the pass made: dispose it when the graph is no longer
/// run.
/// </summary>
public abstract class GraphPassResult : IDisposable
{
    private readonly IReadOnlyDictionary<Value, Value> _map;
    private readonly List<Tensor> _owned;
    private readonly string _pass;

    private protected GraphPassResult(string pass, ComputeGraph graph, IReadOnlyDictionary<Value, Value> map,
        List<Tensor> owned)
    {
        _pass = pass;
        Graph = graph;
        _map = map;
        _owned = owned;
    }

    public ComputeGraph Graph { get; }

    /// <summary>The constants the pass made, which no other graph uses.</summary>
    public IReadOnlyList<Tensor> OwnedConstants => _owned;

    /// <summary>
    /// The rewritten graph's value for a value of the original graph that the outputs need (inputs, constants, kept
    /// results).
    /// </summary>
    public Value this[Value original] =>
        _map.TryGetValue(original, out var v) ? v
            : throw new ArgumentException($"'{original.Name}' does not survive {_pass}");

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
        GC.SuppressFinalize(this);
    }
}
