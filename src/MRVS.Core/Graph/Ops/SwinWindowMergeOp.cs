using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>The inverse of <see cref="SwinWindowPartitionOp"/>: windows [nW, N, C] → roll by +shift → crop to [D, H, W, C].</summary>
public sealed class SwinWindowMergeOp(SwinWindow window, int depth, int height, int width) : Op
{
    public SwinWindow Window { get; } = window;
    public int Depth { get; } = depth;
    public int Height { get; } = height;
    public int Width { get; } = width;
    public override string Kind => "swin_window_merge";
    public override string Describe() => $"{Kind}({Window})";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Kind);
        var x = inputs[0];
        Expect(Window.IsValid, $"{Window}: expected 3 window sizes > 0 and shifts 0 ≤ shift < window");
        Expect(Depth > 0 && Height > 0 && Width > 0, $"output volume {Depth}×{Height}×{Width} is empty");
        int nw = Window.Windows(Depth, Height, Width);
        Expect(x.DType == DType.F32 && x.Rank == 3 && x[0] == nw && x[1] == Window.Tokens, $"windows are {x}, expected F32[{nw}, {Window.Tokens}, C]");
        return new TensorType(DType.F32, [Depth, Height, Width, x[2]]);
    }
}
