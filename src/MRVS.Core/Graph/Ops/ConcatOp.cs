namespace MRVS.Core.Graph.Ops;

/// <summary>Concatenates inputs along one axis (other dims equal).</summary>
public sealed class ConcatOp(int axis) : Op
{
    public int Axis { get; } = axis;
    public override string Kind => "concat";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        Expect(inputs.Count >= 1, "concat of nothing");
        var x = inputs[0];
        Expect(Axis >= 0 && Axis < x.Rank, $"axis {Axis} out of range for {x}");
        int total = 0;
        foreach (var t in inputs)
        {
            Expect(t.DType == x.DType && t.Rank == x.Rank
                && Enumerable.Range(0, x.Rank).All(i => i == Axis || t[i] == x[i]),
                $"cannot concatenate {t} with {x} along axis {Axis}");
            total += t[Axis];
        }
        var s = (int[])x.Shape.Clone();
        s[Axis] = total;
        return new TensorType(x.DType, s);
    }
}
