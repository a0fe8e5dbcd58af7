// Video Swin's window geometry, shared by the kernels that read or write tokens in window order
// (swin_window_partition.cu, swin_window_layer_norm.cu, swin_window_merge.cu, window_attention.cu's merged stores):
// window size, cyclic shift and the padded volume (each a window multiple) along D, H, W. Windows [nW, N, C] are
// ordered (d, h, w), their tokens (d, y, x), over the padded volume rolled by −shift.
#pragma once
#include "mrvs_cuda.h"

struct mrvs_window
{
    int size[3];
    int shift[3];
    int padded[3];
};

// Row `row` of the windows [nW, N, C] → its token (z·H + y)·W + x in the unpadded volume [D, H, W], or −1 for a
// padding token (past D, H or W in the padded volume).
__device__ __forceinline__ long long mrvs_window_source(const mrvs_window& g, long long row, int d, int h, int w)
{
    const int n = g.size[0] * g.size[1] * g.size[2];
    const int window = (int)(row / n), k = (int)(row % n);
    const int nh = g.padded[1] / g.size[1], nw = g.padded[2] / g.size[2];
    const int wz = window / (nh * nw), wy = window / nw % nh, wx = window % nw;
    const int z = (wz * g.size[0] + k / (g.size[1] * g.size[2]) + g.shift[0]) % g.padded[0];
    const int yy = (wy * g.size[1] + k / g.size[2] % g.size[1] + g.shift[1]) % g.padded[1];
    const int xx = (wx * g.size[2] + k % g.size[2] + g.shift[2]) % g.padded[2];
    return z < d && yy < h && xx < w ? ((long long)z * h + yy) * w + xx : -1;
}

// The inverse: token (z·H + y)·W + x of the unpadded volume → its row in the windows [nW, N, C].
__device__ __forceinline__ long long mrvs_window_row(const mrvs_window& g, long long token, int h, int w)
{
    const int z = (int)(token / ((long long)h * w)), yy = (int)(token / w % h), xx = (int)(token % w);
    const int sd = (z - g.shift[0] + g.padded[0]) % g.padded[0], sh = (yy - g.shift[1] + g.padded[1]) % g.padded[1],
              sw = (xx - g.shift[2] + g.padded[2]) % g.padded[2];
    const int nh = g.padded[1] / g.size[1], nw = g.padded[2] / g.size[2];
    const int window = (sd / g.size[0] * nh + sh / g.size[1]) * nw + sw / g.size[2];
    const int k = ((sd % g.size[0]) * g.size[1] + sh % g.size[1]) * g.size[2] + sw % g.size[2];
    return (long long)window * g.size[0] * g.size[1] * g.size[2] + k;
}

// Where window attention stores row `row` of the windows [nW, N, C]: the row itself, or, with the window merge folded
// into its stores (merged ≠ 0), the row's token of the unpadded volume [D, H, W], −1 for a padding row (not stored).
struct mrvs_window_store
{
    mrvs_window g;
    int d, h, w;
    int merged;
};

__device__ __forceinline__ long long mrvs_window_store_row(const mrvs_window_store& s, long long row)
{
    return s.merged ? mrvs_window_source(s.g, row, s.d, s.h, s.w) : row;
}
