using MRVS.Core.Tensors;

namespace MRVS.Core.Graph;

/// <summary>Static type of a graph value: dtype and shape, known at build time.</summary>
public sealed record TensorType(DType DType, int[] Shape)
{
    public long Elements => Tensors.Shape.Elements(Shape);
    public long Bytes => Elements * DType.Size();
    public int Rank => Shape.Length;
    public int this[int axis] => Shape[axis < 0 ? Shape.Length + axis : axis];

    public bool Equals(TensorType? other) =>
        other is not null && DType == other.DType && Shape.AsSpan().SequenceEqual(other.Shape);
    public override int GetHashCode() => HashCode.Combine(DType, Shape.Length, Elements);
    public override string ToString() => $"{DType}{Tensors.Shape.Format(Shape)}";

    public static TensorType F32(params int[] shape) => new(DType.F32, shape);
}
