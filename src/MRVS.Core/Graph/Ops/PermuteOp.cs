namespace MRVS.Core.Graph.Ops;

/// <summary>Transposes axes: output axis i is input axis Perm[i] (torch.permute). Copies.</summary>
public sealed class PermuteOp(params int[] perm) : Op
{
    public int[] Perm { get; } = perm;
    public override string Kind => "permute";
    public override string Describe() => $"permute({string.Join(",", Perm)})";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, "permute");
        var x = inputs[0];
        Expect(Perm.Length == x.Rank && Perm.Order().SequenceEqual(Enumerable.Range(0, x.Rank)),
            $"permutation ({string.Join(", ", Perm)}) does not fit rank-{x.Rank} input {x}");
        return new TensorType(x.DType, Perm.Select(p => x[p]).ToArray());
    }
}
