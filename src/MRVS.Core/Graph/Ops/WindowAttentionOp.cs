using MRVS.Core.Tensors;

namespace MRVS.Core.Graph.Ops;

/// <summary>
/// Fused window self-attention of Video Swin: qkv [nW, N, 3C] (q, k, v blocks, heads inside each) → per window and
/// head softmax((q·scale)·kᵀ + bias (+ shift mask)) · v → [nW, N, C], scale = (C/heads)^−½.
/// Inputs: qkv, table [heads, R][, regions [nW, N]]. The relative position bias is gathered from the head's row of the
/// bias table (upstream's relative_position_bias_table transposed, R = ∏(2w−1) rows for the full window w) at
/// <see cref="RelativeIndex"/>, Swin's relative_position_index of the full window, whose first N rows and columns
/// upstream slices for a clipped window of N tokens; no dense [heads, N, N] bias exists. The shifted-window mask is
/// given by its region labels (one per token of each window, as upstream's compute_mask labels the padded volume):
/// −100 between tokens of different regions, 0 within one, added after the bias.
/// With <see cref="Merge"/> (made by <see cref="Fusion.SwinWindowMergeRule"/>) the op also does the block's window
/// merge in its stores: each window row goes to its token of the unpadded volume, y [D, H, W, C] in natural order,
/// and the rows of padding tokens are not stored (they are still keys and values, as upstream attends over them).
/// </summary>
public sealed class WindowAttentionOp(int heads, bool masked, int[] window, SwinWindowMergeOp? merge = null) : Op
{
    /// <summary>
    /// What the shifted-window mask adds between tokens of different regions (upstream: −100, not −inf).
    /// </summary>
    public const float ShiftMaskValue = -100f;

    /// <summary>Rows of the bias table the kernels stage in shared memory: the (8, 7, 7) window's 2535 fit.</summary>
    public const int MaxTableRows = 2560;

    /// <summary>The largest head dim (C / heads) the kernels are instantiated for.</summary>
    public const int MaxHeadDim = 64;

    public int Heads { get; } = heads;
    public bool Masked { get; } = masked;

    /// <summary>The full (unclipped) window (d, h, w) of the bias table and its index.</summary>
    public int[] Window { get; } = window;

    /// <summary>
    /// The window merge done by the stores (its window, shift and unpadded volume; never a residual), or null: rows
    /// stored in window order [nW, N, C].
    /// </summary>
    public SwinWindowMergeOp? Merge { get; } = merge;

    public int TableRows => TableRowsOf(Window);
    public override string Kind => "window_attention";
    public override string Describe() =>
        $"{Kind}(heads {Heads}, window {string.Join('×', Window)}{(Masked ? ", shift mask" : "")}" +
        (Merge is { } m ? $", stores merged: {m.Window} into {m.Depth}×{m.Height}×{m.Width}" : "") + ")";

    /// <summary>This attention with <paramref name="merge"/> done by its stores.</summary>
    public WindowAttentionOp WithMergedStores(SwinWindowMergeOp merge) => new(Heads, Masked, Window, merge);

    /// <summary>Rows of a window's relative position bias table: (2d−1)(2h−1)(2w−1).</summary>
    public static int TableRowsOf(int[] window) => (2 * window[0] - 1) * (2 * window[1] - 1) * (2 * window[2] - 1);

    /// <summary>
    /// Token t's term of the relative position index: its (z, y, x) in the full window's flattened order, weighted as
    /// the index weights coordinate differences: (z·(2h−1) + y)·(2w−1) + x.
    /// </summary>
    public static int Position(int[] window, int token)
    {
        int h = window[1], w = window[2];
        return (token / (h * w) * (2 * h - 1) + token / w % h) * (2 * w - 1) + token % w;
    }

    /// <summary>
    /// Swin's relative_position_index[i, j] of the full window: ((zi−zj+d−1)(2h−1) + yi−yj+h−1)(2w−1) + xi−xj+w−1,
    /// i.e. Position(i) − Position(j) + Position(last token).
    /// </summary>
    public static int RelativeIndex(int[] window, int i, int j) =>
        Position(window, i) - Position(window, j) + Position(window, window[0] * window[1] * window[2] - 1);

    public override TensorType Infer(IReadOnlyList<TensorType> inputs)
    {
        int n = Masked ? 3 : 2;
        ExpectCount(inputs, n, n, Kind);
        var (qkv, table) = (inputs[0], inputs[1]);
        Expect(Heads > 0, $"{Heads} heads");
        string window = string.Join('×', Window);
        Expect(Window.Length == 3 && Window.All(s => s > 0), $"window {window}, expected 3 positive sizes");
        Expect(qkv.DType == DType.F32 && qkv.Rank == 3 && qkv[2] % (3 * Heads) == 0,
            $"qkv is {qkv}, expected F32[windows, tokens, 3·C] with C divisible by {Heads} heads");
        Expect(qkv[2] / 3 / Heads <= MaxHeadDim, $"head dim {qkv[2] / 3 / Heads} exceeds the kernels' {MaxHeadDim}");
        int fullTokens = Window[0] * Window[1] * Window[2];
        Expect(qkv[1] <= fullTokens,
            $"qkv has {qkv[1]} tokens per window, more than the {window} window's {fullTokens}");
        Expect(table.DType == DType.F32 && table.Rank == 2 && table[0] == Heads && table[1] == TableRows,
            $"relative position bias table is {table}, expected F32[{Heads}, {TableRows}] (heads, (2d−1)(2h−1)(2w−1))");
        Expect(TableRows <= MaxTableRows,
            $"the {window} window's bias table has {TableRows} rows, more than the kernels' {MaxTableRows}");
        if (Masked)
        {
            var regions = inputs[2];
            Expect(regions.DType == DType.F32 && regions.Rank == 2 && regions[0] == qkv[0] && regions[1] == qkv[1],
                $"shift-mask regions are {regions}, expected F32[{qkv[0]}, {qkv[1]}] (windows, tokens)");
        }
        var windows = new TensorType(DType.F32, [qkv[0], qkv[1], qkv[2] / 3]);
        if (Merge is null) return windows;
        var (m, volume) = (Merge, $"{Merge.Depth}×{Merge.Height}×{Merge.Width}");
        Expect(!m.HasResidual, "the window merge in the stores cannot add a residual (the proj Linear adds it)");
        Expect(m.Window.IsValid && m.Depth > 0 && m.Height > 0 && m.Width > 0,
            $"stores merged into {volume} by {m.Window}: expected a volume and 0 ≤ shift < window");
        int nw = m.Window.Windows(m.Depth, m.Height, m.Width);
        Expect(qkv[0] == nw && qkv[1] == m.Window.Tokens, $"qkv has {qkv[0]} windows of {qkv[1]} tokens; stores " +
            $"merged into {volume} by {m.Window} expect {nw} windows of {m.Window.Tokens}");
        return m.Infer([windows]);
    }

    /// <summary>QKᵀ and the weighted sum of V per window over every head (padding rows included): 4·nW·N²·C.</summary>
    public override long Flops(IReadOnlyList<TensorType> inputs, TensorType output) =>
        4L * inputs[0][0] * inputs[0][1] * inputs[0][1] * (inputs[0][2] / 3);
}
