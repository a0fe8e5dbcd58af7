using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// The inverse of <see cref="SwinWindowPartitionOp"/>: windows [nW, N, C] → roll by +shift → crop to [D, H, W, C],
/// plus an optional residual [D, H, W, C] (the block's skip connection, fused by <see cref="Fusion.ResidualAddRule"/>).
/// In a Swin block the fusion pass folds it into the window attention's stores
/// (<see cref="Fusion.SwinWindowMergeRule"/>, <see cref="WindowAttentionOp.Merge"/>); it runs only where that does not
/// apply.
/// </summary>
public sealed class SwinWindowMergeOp(SwinWindow window, int depth, int height, int width, bool residual = false)
    : Op, IResidualOp
{
    public SwinWindow Window { get; } = window;
    public int Depth { get; } = depth;
    public int Height { get; } = height;
    public int Width { get; } = width;
    public bool HasResidual { get; } = residual;
    public override string Kind => "swin_window_merge";
    public override string Describe() => $"{Kind}({Window}{(HasResidual ? ", residual" : "")})";

    public bool TakesResidual => !HasResidual;

    public Op WithResidual() => new SwinWindowMergeOp(Window, Depth, Height, Width, residual: true);

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        int count = HasResidual ? 2 : 1;
        ExpectCount(inputs, count, count, Kind);
        var x = inputs[0];
        Expect(Window.IsValid, $"{Window}: expected 3 window sizes > 0 and shifts 0 ≤ shift < window");
        Expect(Depth > 0 && Height > 0 && Width > 0, $"output volume {Depth}×{Height}×{Width} is empty");
        int nw = Window.Windows(Depth, Height, Width);
        Expect(x.DType == DType.F32 && x.Rank == 3 && x[0] == nw && x[1] == Window.Tokens,
            $"windows are {x}, expected F32[{nw}, {Window.Tokens}, C]");
        var y = new TensorType(DType.F32, [Depth, Height, Width, x[2]]);
        if (HasResidual) Expect(inputs[1].Equals(y), $"residual is {inputs[1]}, expected the merged volume's {y}");
        return y;
    }
}
