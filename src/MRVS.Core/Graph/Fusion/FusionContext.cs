namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// What a rule may fuse: a producer whose output feeds only the node being rewritten and is not an output.
/// </summary>
public sealed class FusionContext
{
    private readonly Func<Value, bool> _absorbable;

    internal FusionContext(Func<Value, bool> absorbable) => _absorbable = absorbable;

    /// <summary>
    /// The node producing <paramref name="value"/> (a value of the rewritten graph) when the rewritten node may take
    /// its work over: the node's op is <typeparamref name="TOp"/>, its output has no other consumer (views count) and
    /// is not requested. Null otherwise.
    /// </summary>
    public Node? Absorbable<TOp>(Value value) where TOp : Op =>
        value.Producer is { Op: TOp } p && _absorbable(value) ? p : null;
}
