// swin_window_partition: Video Swin's shifted, zero-padded window partition (SwinWindowPartitionOp):
// x [D, H, W, C] → windows [nW, wd*wh*ww, C] (pad to window multiples, roll by -shift, windows (d, h, w), tokens
// (d, y, x)). Index map in mrvs_swin_window.h. The graph fusion pass folds it into the LayerNorm before it
// (swin_window_layer_norm.cu); it runs only in a graph executed without the pass.
// Launch: grid (ceil(tokens*C / 256)), block (256), one channel of one token per thread.
#include "mrvs_swin_window.h"

extern "C" __global__ void __launch_bounds__(256) swin_window_partition(const float* __restrict__ x,
    float* __restrict__ y, long long count, int d, int h, int w, int c, mrvs_window g)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    const long long source = mrvs_window_source(g, i / c, d, h, w);
    y[i] = source >= 0 ? x[source * c + i % c] : 0.0f;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(swin_window_partition)
