using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Running mean along axis 0: y[t] = float32(x[0] + … + x[t]) / (t + 1), the sum accumulated in double and rounded
/// per step like torch.cumsum on the CPU, the division in float32 (upstream divides by a float32 1..T tensor).
/// </summary>
public sealed class CumulativeMeanOp : Op
{
    public override string Kind => "cumulative_mean";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Kind);
        Expect(inputs[0].DType == DType.F32 && inputs[0].Rank >= 1, $"input is {inputs[0]}, expected F32[T, ...]");
        return inputs[0];
    }
}
