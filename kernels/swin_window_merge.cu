// swin_window_merge: the inverse of swin_window_partition (SwinWindowMergeOp): windows [nW, wd*wh*ww, C] →
// [D, H, W, C] (roll by +shift, crop the padding), plus residual [D, H, W, C] when not null (the block's skip
// connection, fused by the graph fusion pass). Window geometry in mrvs_window (mrvs_swin_window.h).
// Launch: grid (ceil(D*H*W*C / 256)), block (256), one output element per thread.
#include "mrvs_swin_window.h"

extern "C" __global__ void __launch_bounds__(256) swin_window_merge(const float* __restrict__ x,
                                                                    const float* __restrict__ residual,
                                                                    float* __restrict__ y, long long count, int d,
                                                                    int h, int w, int c, mrvs_window g)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    const int ch = (int)(i % c);
    const long long token = i / c;
    const int z = (int)(token / ((long long)h * w)), yy = (int)(token / w % h), xx = (int)(token % w);
    const int sd = (z - g.shift[0] + g.padded[0]) % g.padded[0], sh = (yy - g.shift[1] + g.padded[1]) % g.padded[1],
        sw = (xx - g.shift[2] + g.padded[2]) % g.padded[2];
    const int nh = g.padded[1] / g.size[1], nw = g.padded[2] / g.size[2];
    const int window = (sd / g.size[0] * nh + sh / g.size[1]) * nw + sw / g.size[2];
    const int k = ((sd % g.size[0]) * g.size[1] + sh % g.size[1]) * g.size[2] + sw % g.size[2];
    const float v = x[((long long)window * g.size[0] * g.size[1] * g.size[2] + k) * c + ch];
    y[i] = residual ? residual[i] + v : v;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(swin_window_merge)
