namespace MRVS.Core.Graph.Ops;

/// <summary>
/// x[Index] of a stacked tensor x [G, ...]: the contiguous block of one member (a Linear's output within a
/// <see cref="GroupedLinearOp"/>'s). A view: no copy, no kernel.
/// </summary>
public sealed class SelectOp(int index) : Op
{
    public int Index { get; } = index;
    public override string Kind => "select";
    public override bool IsView => true;

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Kind);
        var x = inputs[0];
        Expect(x.Rank >= 2 && Index >= 0 && Index < x[0], $"cannot select member {Index} of {x}");
        return new TensorType(x.DType, x.Shape[1..]);
    }

    public override long ViewOffset(TensorType input) => Index * (input.Bytes / input[0]);
}
