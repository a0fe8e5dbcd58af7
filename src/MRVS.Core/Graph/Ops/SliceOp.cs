namespace MRVS.Core.Graph.Ops;

/// <summary>x[..., Start : Start + Length (: Step), ...] along one axis. Copies.</summary>
public sealed class SliceOp(int axis, int start, int length, int step = 1) : Op
{
    public int Axis { get; } = axis;
    public int Start { get; } = start;
    public int Length { get; } = length;
    public int Step { get; } = step;
    public override string Kind => "slice";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, "slice");
        var x = inputs[0];
        Expect(Axis >= 0 && Axis < x.Rank, $"axis {Axis} out of range for {x}");
        Expect(Start >= 0 && Length > 0 && Step > 0 && Start + (Length - 1) * Step < x[Axis],
            $"slice {Start}+{Length}×{Step} of axis {Axis} exceeds {x}");
        var s = (int[])x.Shape.Clone();
        s[Axis] = Length;
        return new TensorType(x.DType, s);
    }

    /// <summary>Only the rows sliced: the output's bytes.</summary>
    public override long BytesRead(int index, IReadOnlyList<TensorType> inputs, TensorType output) => output.Bytes;
}
