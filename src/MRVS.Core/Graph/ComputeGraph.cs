using MRVS.Core.Tensors;

namespace MRVS.Core.Graph;

/// <summary>
/// A static dataflow graph: named inputs, constants (weights and build-time tables), nodes in topological
/// order, and named taps (the tensors a caller may ask for, e.g. every intermediate a fixture holds).
/// Shapes are inferred and checked as nodes are added.
/// </summary>
public sealed class ComputeGraph
{
    private readonly List<Value> _values = [];
    private readonly List<Node> _nodes = [];
    private readonly Dictionary<string, Value> _inputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Value> _taps = new(StringComparer.Ordinal);
    private readonly List<string> _tapOrder = [];

    public IReadOnlyList<Node> Nodes => _nodes;
    public IReadOnlyList<Value> Values => _values;
    public IReadOnlyDictionary<string, Value> Inputs => _inputs;
    public IReadOnlyDictionary<string, Value> Taps => _taps;
    public IReadOnlyList<string> TapNames => _tapOrder;

    public Value Input(string name, DType dtype, params int[] shape)
    {
        if (_inputs.ContainsKey(name)) throw new ArgumentException($"graph input '{name}' declared twice");
        var v = new Value(_values.Count, name, new TensorType(dtype, (int[])shape.Clone()), ValueKind.Input, null,
            null);
        _values.Add(v);
        _inputs[name] = v;
        return v;
    }

    public Value Constant(string name, Tensor data)
    {
        var v = new Value(_values.Count, name, new TensorType(data.DType, (int[])data.Shape.Clone()),
            ValueKind.Constant, null, data);
        _values.Add(v);
        return v;
    }

    /// <summary>
    /// Adds a node; a shape error is re-thrown prefixed with the node name ("voc.enc_self_attn.0: …").
    /// </summary>
    public Value Add(Op op, string name, params Value[] inputs)
    {
        TensorType type;
        try { type = op.Infer(inputs.Select(i => i.Type).ToArray()); }
        catch (ShapeException e) { throw new ShapeException($"{name}: {e.Message}"); }
        var node = new Node(_nodes.Count, name, op, inputs);
        var v = new Value(_values.Count, name, type, ValueKind.Intermediate, node, null);
        node.Output = v;
        _nodes.Add(node);
        _values.Add(v);
        return v;
    }

    /// <summary>
    /// Names a value as an output a caller can request. Later taps of the same name replace earlier ones.
    /// </summary>
    public void Tap(string name, Value v)
    {
        if (!_taps.ContainsKey(name)) _tapOrder.Add(name);
        _taps[name] = v;
    }
}
