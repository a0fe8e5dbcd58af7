// swin_window_merge: the inverse of swin_window_partition (SwinWindowMergeOp): windows [nW, wd*wh*ww, C] →
// [D, H, W, C] (roll by +shift, crop the padding), plus residual [D, H, W, C] when not null (the block's skip
// connection, fused by the graph fusion pass). Index map in mrvs_swin_window.h.
// Launch: grid (ceil(D*H*W*C / 256)), block (256), one output element per thread.
#include "mrvs_swin_window.h"

extern "C" __global__ void __launch_bounds__(256) swin_window_merge(const float* __restrict__ x,
                                                                    const float* __restrict__ residual,
                                                                    float* __restrict__ y, long long count, int d,
                                                                    int h, int w, int c, mrvs_window g)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    const float v = x[mrvs_window_row(g, i / c, h, w) * c + i % c];
    y[i] = residual ? residual[i] + v : v;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(swin_window_merge)
