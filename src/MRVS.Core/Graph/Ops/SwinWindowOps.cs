using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>Window geometry shared by the Swin partition and merge ops: window (wd, wh, ww) and cyclic shift (sd, sh, sw).</summary>
public readonly record struct SwinWindow(int[] Size, int[] Shift)
{
    public int Tokens => Size[0] * Size[1] * Size[2];
    public int Padded(int axis, int extent) => (extent + Size[axis] - 1) / Size[axis] * Size[axis];
    public int Windows(int d, int h, int w) => Padded(0, d) / Size[0] * (Padded(1, h) / Size[1]) * (Padded(2, w) / Size[2]);
    public override string ToString() => $"window ({string.Join(",", Size)}) shift ({string.Join(",", Shift)})";

    /// <summary>Upstream's block assertion 0 ≤ shift &lt; window, per axis of the three.</summary>
    public bool IsValid
    {
        get
        {
            if (Size is not { Length: 3 } || Shift is not { Length: 3 }) return false;
            for (int i = 0; i < 3; i++)
                if (Size[i] <= 0 || Shift[i] < 0 || Shift[i] >= Size[i]) return false;
            return true;
        }
    }
}

/// <summary>
/// Video Swin window partition: x [D, H, W, C] → zero-pad the end of D, H, W to window multiples (padded tokens are
/// NOT masked upstream) → roll by −shift → windows [nW, wd·wh·ww, C], windows ordered (d, h, w), tokens (d, y, x).
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

/// <summary>
/// The inverse of <see cref="SwinWindowPartitionOp"/>: windows [nW, N, C] → roll by +shift → crop to [D, H, W, C],
/// plus an optional residual [D, H, W, C] (the block's skip connection, fused by <see cref="Fusion.ResidualAddRule"/>).
/// </summary>
public sealed class SwinWindowMergeOp(SwinWindow window, int depth, int height, int width, bool residual = false) : Op, IResidualOp
{
    public SwinWindow Window { get; } = window;
    public int Depth { get; } = depth;
    public int Height { get; } = height;
    public int Width { get; } = width;
    public bool HasResidual { get; } = residual;
    public override string Kind => "swin_window_merge";
    public override string Describe() => $"{Kind}({Window}{(HasResidual ? ", residual" : "")})";

    public Op WithResidual() => new SwinWindowMergeOp(Window, Depth, Height, Width, residual: true);

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        int count = HasResidual ? 2 : 1;
        ExpectCount(inputs, count, count, Kind);
        var x = inputs[0];
        Expect(Window.IsValid, $"{Window}: expected 3 window sizes > 0 and shifts 0 ≤ shift < window");
        Expect(Depth > 0 && Height > 0 && Width > 0, $"output volume {Depth}×{Height}×{Width} is empty");
        int nw = Window.Windows(Depth, Height, Width);
        Expect(x.DType == DType.F32 && x.Rank == 3 && x[0] == nw && x[1] == Window.Tokens, $"windows are {x}, expected F32[{nw}, {Window.Tokens}, C]");
        var y = new TensorType(DType.F32, [Depth, Height, Width, x[2]]);
        if (HasResidual) Expect(inputs[1].Equals(y), $"residual is {inputs[1]}, expected the merged volume's {y}");
        return y;
    }

    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) => HasResidual ? output.Elements : 0;
}

/// <summary>
/// Fused window self-attention of Video Swin: qkv [nW, N, 3C] (q, k, v blocks, heads inside each) → per window and
/// head softmax((q·scale)·kᵀ + bias[head] (+ shift mask)) · v → [nW, N, C], scale = (C/heads)^−½.
/// Inputs: qkv, bias [heads, N, N][, regions [nW, N]]. The shifted-window mask is given by its region labels (one per
/// token of each window, as upstream's compute_mask labels the padded volume): −100 between tokens of different
/// regions, 0 within one, added after the bias. Labels instead of the [nW, N, N] mask keep the table N times smaller.
/// </summary>
public sealed class WindowAttentionOp(int heads, bool masked) : Op
{
    /// <summary>What the shifted-window mask adds between tokens of different regions (upstream: −100, not −inf).</summary>
    public const float ShiftMaskValue = -100f;

    public int Heads { get; } = heads;
    public bool Masked { get; } = masked;
    public override string Kind => "window_attention";
    public override string Describe() => $"{Kind}(heads {Heads}{(Masked ? ", shift mask" : "")})";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        int n = Masked ? 3 : 2;
        ExpectCount(inputs, n, n, Kind);
        var (qkv, bias) = (inputs[0], inputs[1]);
        Expect(Heads > 0, $"{Heads} heads");
        Expect(qkv.DType == DType.F32 && qkv.Rank == 3 && qkv[2] % (3 * Heads) == 0, $"qkv is {qkv}, expected F32[windows, tokens, 3·C] with C divisible by {Heads} heads");
        Expect(bias.DType == DType.F32 && bias.Rank == 3 && bias[0] == Heads && bias[1] == qkv[1] && bias[2] == qkv[1], $"relative position bias is {bias}, expected F32[{Heads}, {qkv[1]}, {qkv[1]}]");
        if (Masked)
        {
            var regions = inputs[2];
            Expect(regions.DType == DType.F32 && regions.Rank == 2 && regions[0] == qkv[0] && regions[1] == qkv[1], $"shift-mask regions are {regions}, expected F32[{qkv[0]}, {qkv[1]}] (windows, tokens)");
        }
        return new TensorType(DType.F32, [qkv[0], qkv[1], qkv[2] / 3]);
    }

    /// <summary>QKᵀ and PV per (window, head), then per score: bias, shift mask and softmax (about 4).</summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output)
    {
        var qkv = inputs[0];
        long scores = (long)qkv[0] * Heads * qkv[1] * qkv[1];
        return scores * (4L * output[2] / Heads + 4);
    }
}

/// <summary>Swin patch merging gather: x [D, H, W, C] → odd H/W zero-padded → [D, ⌈H/2⌉, ⌈W/2⌉, 4C] with phases (0,0), (1,0), (0,1), (1,1) (row parity first).</summary>
public sealed class PatchMergeOp : Op
{
    public override string Kind => "patch_merge";

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        ExpectCount(inputs, 1, 1, Kind);
        var x = inputs[0];
        Expect(x.DType == DType.F32 && x.Rank == 4, $"input is {x}, expected F32[D, H, W, C]");
        return new TensorType(DType.F32, [x[0], (x[1] + 1) / 2, (x[2] + 1) / 2, 4 * x[3]]);
    }
}
