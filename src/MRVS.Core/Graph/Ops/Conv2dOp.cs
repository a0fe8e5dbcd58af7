using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>2-D convolution, NCHW, weight [Cout, Cin, kh, kw], zero padding. Inputs: x, W[, b].</summary>
public sealed class Conv2dOp(int stride = 1, int padding = 0) : Op
{
    public int Stride { get; } = stride;
    public int Padding { get; } = padding;
    public override string Kind => "conv2d";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 2, 3, "conv2d");
        var (x, w) = (inputs[0], inputs[1]);
        ExpectDType(x, DType.F32, "input");
        Expect(x.Rank == 4 && w.Rank == 4, $"input {x} / weight {w} must be NCHW / [Cout, Cin, kh, kw]");
        Expect(x[1] == w[1], $"input channels {x[1]} ≠ weight in-channels {w[1]}");
        if (inputs.Count == 3)
            Expect(inputs[2].Rank == 1 && inputs[2][0] == w[0], $"bias is {inputs[2]}, expected [{w[0]}]");
        int oh = (x[2] + 2 * Padding - w[2]) / Stride + 1, ow = (x[3] + 2 * Padding - w[3]) / Stride + 1;
        Expect(oh > 0 && ow > 0, $"kernel {w[2]}×{w[3]} larger than padded input {x}");
        return new TensorType(DType.F32, [x[0], w[0], oh, ow]);
    }

    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        2 * output.Elements * inputs[1][1] * inputs[1][2] * inputs[1][3];
}
