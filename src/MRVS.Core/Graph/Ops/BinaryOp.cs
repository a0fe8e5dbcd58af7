using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

public enum BinaryKind { Add, Sub, Mul, Div }

/// <summary>Element-wise a ∘ b with NumPy broadcasting (shapes aligned at the right).</summary>
public sealed class BinaryOp(BinaryKind kind) : Op
{
    public BinaryKind Operation { get; } = kind;
    public override string Kind => "binary";
    public override string Describe() => Operation.ToString().ToLowerInvariant();

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 2, 2, Describe());
        ExpectDType(inputs[0], DType.F32, "left operand");
        ExpectDType(inputs[1], DType.F32, "right operand");
        return new TensorType(DType.F32, Broadcast(inputs[0].Shape, inputs[1].Shape));
    }

    public static int[] Broadcast(int[] a, int[] b)
    {
        int r = Math.Max(a.Length, b.Length);
        var s = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            int db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ShapeException($"shapes {Shape.Format(a)} and {Shape.Format(b)} do not broadcast");
            s[i] = Math.Max(da, db);
        }
        return s;
    }
}
