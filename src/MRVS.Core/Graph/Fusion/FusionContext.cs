namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// What a rule may fuse: a producer whose output feeds only the node being rewritten and is not an output; and where
/// a rewrite moves work between nodes, the node it adds ahead of the rewritten one.
/// </summary>
public sealed class FusionContext
{
    private readonly Func<Value, bool> _absorbable;
    private readonly Func<Op, string, Value[], Value> _add;

    internal FusionContext(Func<Value, bool> absorbable, Func<Op, string, Value[], Value> add)
    {
        _absorbable = absorbable;
        _add = add;
    }

    /// <summary>
    /// Adds a node to the rewritten graph ahead of the node being rewritten (which may consume it), e.g. a producer
    /// re-made with part of the rewritten node's work; its shapes are checked as any node's.
    /// </summary>
    public Value Add(Op op, string name, params Value[] inputs) => _add(op, name, inputs);

    /// <summary>
    /// The node producing <paramref name="value"/> (a value of the rewritten graph) when the rewritten node may take
    /// its work over: the node's op is <typeparamref name="TOp"/>, its output has no other consumer (views count) and
    /// is not requested. Null otherwise.
    /// </summary>
    public Node? Absorbable<TOp>(Value value) where TOp : Op =>
        value.Producer is { Op: TOp } p && _absorbable(value) ? p : null;
}
