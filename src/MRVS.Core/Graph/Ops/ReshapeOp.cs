namespace MRVS.Core.Graph.Ops;

/// <summary>Reinterprets the row-major data with another shape of the same size. A view: no copy, no kernel.</summary>
public sealed class ReshapeOp(params int[] shape) : Op
{
    public int[] Shape { get; } = shape;
    public override string Kind => "reshape";
    public override bool IsView => true;

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, "reshape");
        var x = inputs[0];
        Expect(Tensors.Shape.Elements(Shape) == x.Elements, $"cannot view {x} as {Tensors.Shape.Format(Shape)}");
        return new TensorType(x.DType, (int[])Shape.Clone());
    }
}
