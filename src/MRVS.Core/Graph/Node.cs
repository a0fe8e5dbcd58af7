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
    public Value Output
    {
        get =>
        _output ?? throw new InvalidOperationException("node has no output yet"); internal set => _output = value;
    }

    /// <summary>
    /// Bytes any implementation must move: each distinct input read once (as much of it as the op reads,
    /// <see cref="Graph.Op.BytesRead"/>), the output written once; 0 for a view.
    /// </summary>
    public long CompulsoryBytes
    {
        get
        {
            if (Op.IsView) return 0;
            var types = Inputs.Select(v => v.Type).ToList();
            long read = Inputs.Select((v, i) => (v, i)).DistinctBy(x => x.v)
                .Sum(x => Op.BytesRead(x.i, types, Output.Type));
            return read + Output.Type.Bytes;
        }
    }

    /// <summary>The op's floating-point operations at this node's shapes (<see cref="Graph.Op.Flops"/>).</summary>
    public long Flops => Op.Flops([.. Inputs.Select(v => v.Type)], Output.Type);

    public override string ToString() =>
        $"{Name} = {Op.Describe()}({string.Join(", ", Inputs.Select(i => i.Name))}) -> {Output.Type}";
}
