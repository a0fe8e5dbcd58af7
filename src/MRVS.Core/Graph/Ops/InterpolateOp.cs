using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

public enum InterpolationMode
{
    /// <summary>PyTorch's legacy 'nearest': src = floor(dst · in/out) in float32.</summary>
    Nearest,
    BilinearAlignCornersFalse,
    BilinearAlignCornersTrue,
}

/// <summary>
/// Resizes the last two axes of x [..., H, W] to (Height, Width), F.interpolate semantics. F32 or Bool (nearest only).
/// </summary>
public sealed class InterpolateOp(InterpolationMode mode, int height, int width) : Op
{
    public InterpolationMode Mode { get; } = mode;
    public int Height { get; } = height;
    public int Width { get; } = width;
    public override string Kind => "interpolate";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, "interpolate");
        var x = inputs[0];
        Expect(x.Rank >= 2, $"input {x} needs [..., H, W]");
        Expect(x.DType == DType.F32 || (x.DType == DType.Bool && Mode == InterpolationMode.Nearest),
            $"input {x} cannot be resized with {Mode}");
        Expect(Height > 0 && Width > 0, $"output size {Height}×{Width} is empty");
        var s = (int[])x.Shape.Clone();
        s[^2] = Height;
        s[^1] = Width;
        return new TensorType(x.DType, s);
    }
}
