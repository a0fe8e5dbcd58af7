using MRVS.Core.Graph.Ops;
using MRVS.Core.Tensors;

namespace MRVS.Models.Backbone;

/// <summary>Build-time tables of Video Swin window attention: the relative position bias and the shifted-window mask.</summary>
public static class SwinWindowTables
{
    /// <summary>Per-axis window and shift after clipping: an axis no longer than its window uses its size and no shift.</summary>
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
    /// bias[head, i, j] = table[index[i, j], head] for the first N = tokens-of-the-window rows and columns of the
    /// FULL window's index, as upstream slices it even when h or w is clipped (not the clipped window's own index).
    /// </summary>
    public static Tensor RelativeBias(Tensor table, Tensor index, int heads, int n)
    {
        var bias = Tensor.Zeros(DType.F32, heads, n, n);
        var t = table.Span<float>();
        var idx = index.Span<long>();
        var b = bias.Span<float>();
        int full = index.Shape[1];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                long row = idx[i * full + j];
                for (int h = 0; h < heads; h++) b[(h * n + i) * n + j] = t[(int)row * heads + h];
            }
        return bias;
    }

    /// <summary>
    /// The shifted-window mask [nW, N, N] built on the padded volume: region labels 9·r_d + 3·r_h + r_w from the
    /// slices [0, P−w), [P−w, P−s), [P−s, P) per axis (later slices win, so an unshifted axis is all region 2);
    /// 0 between tokens of one region, −100 otherwise.
    /// </summary>
    public static Tensor ShiftMask(SwinWindow win, int d, int h, int w)
    {
        int dp = win.Padded(0, d), hp = win.Padded(1, h), wp = win.Padded(2, w);
        int Region(int axis, int p, int extent)
        {
            int size = win.Size[axis], s = win.Shift[axis];
            if (s == 0) return 2;
            return p < extent - size ? 0 : p < extent - s ? 1 : 2;
        }
        int nh = hp / win.Size[1], nw = wp / win.Size[2], windows = dp / win.Size[0] * nh * nw, n = win.Tokens;
        var labels = new int[n];
        var mask = Tensor.Zeros(DType.F32, windows, n, n);
        var m = mask.Span<float>();
        for (int wi = 0; wi < windows; wi++)
        {
            int wz = wi / (nh * nw), wy = wi / nw % nh, wx = wi % nw;
            for (int k = 0; k < n; k++)
            {
                int z = wz * win.Size[0] + k / (win.Size[1] * win.Size[2]);
                int y = wy * win.Size[1] + k / win.Size[2] % win.Size[1];
                int x = wx * win.Size[2] + k % win.Size[2];
                labels[k] = 9 * Region(0, z, dp) + 3 * Region(1, y, hp) + Region(2, x, wp);
            }
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    m[(wi * n + i) * n + j] = labels[i] == labels[j] ? 0f : -100f;
        }
        return mask;
    }
}
