using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>Softmax over the last axis.</summary>
public sealed class SoftmaxOp : Op
{
    public override string Kind => "softmax";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, "softmax");
        ExpectDType(inputs[0], DType.F32, "input");
        return inputs[0];
    }

    /// <summary>Per element: max, subtract, exp, sum and divide.</summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) => 5 * output.Elements;
}
