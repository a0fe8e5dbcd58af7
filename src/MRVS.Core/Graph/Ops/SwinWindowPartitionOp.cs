using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Video Swin window partition: x [D, H, W, C] → zero-pad the end of D, H, W to window multiples (padded tokens are
/// NOT masked upstream) → roll by −shift → windows [nW, wd·wh·ww, C], windows ordered (d, h, w), tokens (d, y,
/// x).
/// </summary>
public sealed class SwinWindowPartitionOp(SwinWindow window) : Op
{
    public SwinWindow Window { get; } = window;
    public override string Kind => "swin_window_partition";
    public override string Describe() => $"{Kind}({Window})";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Kind);
        var x = inputs[0];
        Expect(Window.IsValid, $"{Window}: expected 3 window sizes > 0 and shifts 0 ≤ shift < window");
        Expect(x.DType == DType.F32 && x.Rank == 4, $"input is {x}, expected F32[D, H, W, C]");
        return new TensorType(DType.F32, [Window.Windows(x[0], x[1], x[2]), Window.Tokens, x[3]]);
    }
}
