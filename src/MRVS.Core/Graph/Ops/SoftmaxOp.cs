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
}
