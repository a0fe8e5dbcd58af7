namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Zero padding at the end of each axis (F.pad with right/bottom amounts only): After[i] elements appended to axis i.
/// </summary>
public sealed class PadOp(params int[] after) : Op
{
    public int[] After { get; } = after;
    public override string Kind => "pad";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, "pad");
        var x = inputs[0];
        Expect(After.Length == x.Rank && After.All(a => a >= 0),
            $"padding ({string.Join(", ", After)}) does not fit {x}");
        return new TensorType(x.DType, x.Shape.Select((d, i) => d + After[i]).ToArray());
    }
}
