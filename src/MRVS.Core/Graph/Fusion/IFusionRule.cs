namespace MRVS.Core.Graph.Fusion;

/// <summary>
/// One rewrite of <see cref="GraphFusion"/>: looks at a node about to be added to the rewritten graph and, where its
/// pattern matches, returns the op and inputs that replace it (absorbing producers the context allows to absorb).
/// Rules must not change results beyond rounding that the fixtures' tolerance covers; the ones here change no bit,
/// except the channels-last conv and GroupNorm, which sum the same terms in another order.
/// </summary>
public interface IFusionRule
{
    /// <summary>Name in the pass's report (e.g. "residual add → linear").</summary>
    string Name { get; }

    /// <param name="op">The node's op (perhaps already rewritten by another rule).</param>
    /// <param name="inputs">Its inputs, values of the rewritten graph (their producers are rewritten nodes).</param>
    /// <returns>The replacement, or null when the rule does not apply.</returns>
    FusedNode? Rewrite(Op op, IReadOnlyList<Value> inputs, FusionContext context);
}

/// <summary>The op and inputs (values of the rewritten graph) that take a node's place.</summary>
public sealed record FusedNode(Op Op, IReadOnlyList<Value> Inputs);
