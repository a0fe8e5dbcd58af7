using MRVS.Core.Errors;
using MRVS.Core.Graph;
using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Models.Backbone;

/// <summary>Build-time tables of Video Swin window attention: the clipped window, the relative position bias and the
/// shift-mask regions.</summary>
public static class SwinWindowTables
{
    /// <summary>Per-axis window and shift after clipping: an axis no longer than its window uses its size and no
    /// shift.</summary>
    public static SwinWindow Clip(int[] window, int[] shift, int d, int h, int w)
    {
        int[] size = [d, h, w];
        var win = new int[3];
        var sh = new int[3];
        for (int i = 0; i < 3; i++)
        {
            win[i] = size[i] <= window[i] ? size[i] : window[i];
            sh[i] = size[i] <= window[i] ? 0 : shift[i];
        }
        return new SwinWindow(win, sh);
    }

    /// <summary>
    /// The bias table [heads, R] of <see cref="WindowAttentionOp"/>: upstream's relative_position_bias_table [R, heads]
    /// transposed (a head's rows contiguous), after checking that its relative_position_index I64 [N_full, N_full] is
    /// Swin's (<see cref="WindowAttentionOp.RelativeIndex"/>), which the kernels compute from token positions instead
    /// of reading it. <paramref name="indexName"/> names the index in errors.
    /// </summary>
    public static Tensor BiasTable(Tensor table, Tensor index, int[] window, string indexName)
    {
        int rows = table.Shape[0], heads = table.Shape[1], full = window[0] * window[1] * window[2];
        if (index.Shape[0] != full || index.Shape[1] != full)
            throw new ShapeException($"{indexName} is {Shape.Format(index.Shape)}, "
                + $"expected [{full}, {full}] for the {string.Join('×', window)} window");
        var idx = index.Span<long>();
        // All zeros is a placeholder (a missing key, which the weight store reports with the others, or a zero-filled
        // shape-only store), never a real index: only a real one must be Swin's.
        bool placeholder = idx.IndexOfAnyExcept(0L) < 0;
        for (int i = 0; i < full && !placeholder; i++)
            for (int j = 0; j < full; j++)
            {
                int expected = WindowAttentionOp.RelativeIndex(window, i, j);
                if (idx[i * full + j] != expected)
                    throw new MrvsException(MrvsErrorKind.BadModel, $"{indexName}[{i}, {j}] = {idx[i * full + j]}, "
                        + $"expected {expected}: not Video Swin's relative position index");
            }
        var transposed = Tensor.Zeros(DType.F32, heads, rows);
        var t = table.Span<float>();
        var r = transposed.Span<float>();
        for (int row = 0; row < rows; row++)
            for (int h = 0; h < heads; h++) r[h * rows + row] = t[row * heads + h];
        return transposed;
    }

    /// <summary>
    /// The shifted-window mask's region labels [nW, N], one per token of each window of the padded volume: 9·r_d +
    /// 3·r_h + r_w from the slices [0, P−w), [P−w, P−s), [P−s, P) per axis, as upstream's compute_mask assigns
    /// them (later slices win, so an unshifted axis is all region 2) and partitions them (as is, without a roll). The
    /// window attention adds −100 between tokens of different labels.
    /// </summary>
    public static Tensor ShiftRegions(SwinWindow win, int d, int h, int w)
    {
        int dp = win.Padded(0, d), hp = win.Padded(1, h), wp = win.Padded(2, w);
        int Region(int axis, int p, int extent)
        {
            int size = win.Size[axis], s = win.Shift[axis];
            if (s == 0) return 2;
            return p < extent - size ? 0 : p < extent - s ? 1 : 2;
        }
        int nh = hp / win.Size[1], nw = wp / win.Size[2], windows = win.Windows(d, h, w), n = win.Tokens;
        var regions = Tensor.Zeros(DType.F32, windows, n);
        var r = regions.Span<float>();
        for (int wi = 0; wi < windows; wi++)
        {
            int wz = wi / (nh * nw), wy = wi / nw % nh, wx = wi % nw;
            for (int k = 0; k < n; k++)
            {
                int z = wz * win.Size[0] + k / (win.Size[1] * win.Size[2]);
                int y = wy * win.Size[1] + k / win.Size[2] % win.Size[1];
                int x = wx * win.Size[2] + k % win.Size[2];
                r[wi * n + k] = 9 * Region(0, z, dp) + 3 * Region(1, y, hp) + Region(2, x, wp);
            }
        }
        return regions;
    }
}
