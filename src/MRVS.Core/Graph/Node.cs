namespace MRVS.Core.Graph;

/// <summary>One op applied to input values, producing one output value.</summary>
public sealed class Node
{
    private Value? _output;

    internal Node(int index, string name, Op op, Value[] inputs)
    {
        Index = index;
        Name = name;
        Op = op;
        Inputs = inputs;
    }

    /// <summary>Position in the graph's node list, which is a topological order.</summary>
    public int Index { get; }
    public string Name { get; }
    public Op Op { get; }
    public IReadOnlyList<Value> Inputs { get; }
    public Value Output { get => _output ?? throw new InvalidOperationException("node has no output yet"); internal set => _output = value; }

    /// <summary>The op's <see cref="Op.Flops"/> at this node's shapes.</summary>
    public long Flops => Op.Flops(Inputs.Select(i => i.Type).ToArray(), Output.Type);

    public override string ToString() => $"{Name} = {Op.Describe()}({string.Join(", ", Inputs.Select(i => i.Name))}) -> {Output.Type}";
}
