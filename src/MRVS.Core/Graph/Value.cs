using MRVS.Core.Tensors;

namespace MRVS.Core.Graph;

public enum ValueKind
{
    /// <summary>Fed by the caller at run time.</summary>
    Input,
    /// <summary>Weights and build-time tables; uploaded once.</summary>
    Constant,
    /// <summary>Produced by a node; lives in the executor's arena.</summary>
    Intermediate,
}

/// <summary>An edge of the graph: one tensor with a static type.</summary>
public sealed class Value
{
    internal Value(int id, string name, TensorType type, ValueKind kind, Node? producer, Tensor? constant)
    {
        Id = id;
        Name = name;
        Type = type;
        Kind = kind;
        Producer = producer;
        Constant = constant;
    }

    public int Id { get; }
    public string Name { get; }
    public TensorType Type { get; }
    public ValueKind Kind { get; }
    public Node? Producer { get; }
    public Tensor? Constant { get; }
    public int[] Shape => Type.Shape;
    public DType DType => Type.DType;
    public int Rank => Type.Rank;
    public int Dim(int axis) => Type[axis];

    public override string ToString() => $"{Name}: {Type}";
}
