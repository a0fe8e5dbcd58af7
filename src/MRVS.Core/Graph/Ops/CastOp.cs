using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>Converts between F32, I64, Bool and U8 (Bool/U8 from F32: x != 0).</summary>
public sealed class CastOp(DType to) : Op
{
    public DType To { get; } = to;
    public override string Kind => "cast";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, "cast");
        var x = inputs[0];
        DType[] ok = [DType.F32, DType.I64, DType.Bool, DType.U8];
        Expect(ok.Contains(x.DType) && ok.Contains(To), $"cannot cast {x} to {To}");
        return new TensorType(To, x.Shape);
    }
}
