using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Batched C = alpha · A · op(B): A [..., M, K], B [..., K, N] (or [..., N, K] with TransposeB). B's batch
/// dims either equal A's or are absent (one B shared by every batch).
/// </summary>
public sealed class MatMulOp(bool transposeB = false, float alpha = 1f) : Op
{
    public bool TransposeB { get; } = transposeB;
    public float Alpha { get; } = alpha;
    public override string Kind => "matmul";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 2, 2, "matmul");
        var (a, b) = (inputs[0], inputs[1]);
        ExpectDType(a, DType.F32, "A");
        ExpectDType(b, DType.F32, "B");
        Expect(a.Rank >= 2 && b.Rank >= 2, $"operands {a} and {b} need rank ≥ 2");
        int k = a[-1], kb = TransposeB ? b[-1] : b[-2], n = TransposeB ? b[-2] : b[-1];
        Expect(k == kb, $"inner dimensions differ: A {a}, B {b}{(TransposeB ? " (transposed)" : "")}");
        Expect(b.Rank == 2 || b.Shape[..^2].AsSpan().SequenceEqual(a.Shape[..^2]),
            $"batch dims of B {b} do not match A {a}");
        var shape = (int[])a.Shape.Clone();
        shape[^1] = n;
        return new TensorType(DType.F32, shape);
    }

    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        2 * output.Elements * inputs[0][-1];

    /// <summary>Number of (M, K)·(K, N) products.</summary>
    public static int Batch(TensorType a) => (int)Shape.Elements(a.Shape.AsSpan(0, a.Rank - 2));
}
