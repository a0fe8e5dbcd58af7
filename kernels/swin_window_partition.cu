// swin_window_partition: Video Swin's shifted, zero-padded window partition (SwinWindowPartitionOp):
// x [D, H, W, C] → windows [nW, wd*wh*ww, C] (pad to window multiples, roll by -shift, windows (d, h, w), tokens
// (d, y, x)). Window geometry in mrvs_window (mrvs_swin_window.h).
// Launch: grid (ceil(tokens*C / 256)), block (256), one channel of one token per thread.
#include "mrvs_swin_window.h"

extern "C" __global__ void __launch_bounds__(256) swin_window_partition(const float* __restrict__ x,
    float* __restrict__ y, long long count, int d, int h, int w, int c, mrvs_window g)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    const int ch = (int)(i % c), n = g.size[0] * g.size[1] * g.size[2];
    const long long token = i / c;
    const int window = (int)(token / n), k = (int)(token % n);
    const int nh = g.padded[1] / g.size[1], nw = g.padded[2] / g.size[2];
    const int wz = window / (nh * nw), wy = window / nw % nh, wx = window % nw;
    const int z = (wz * g.size[0] + k / (g.size[1] * g.size[2]) + g.shift[0]) % g.padded[0];
    const int yy = (wy * g.size[1] + k / g.size[2] % g.size[1] + g.shift[1]) % g.padded[1];
    const int xx = (wx * g.size[2] + k % g.size[2] + g.shift[2]) % g.padded[2];
    y[i] = z < d && yy < h && xx < w ? x[(((long long)z * h + yy) * w + xx) * c + ch] : 0.0f;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(swin_window_partition)
