// referred_mask: the Ref-YouTube-VOS post-processing of the chosen query in one pass (ReferredMaskOp): each thread
// makes one output pixel: nearest source in the resized frame, bilinear sample (align_corners = False) of the chosen
// query's mask logits at that pixel of the padded grid, sigmoid > 0.5. The query comes from referred_query's decision.
// Layout: decision [1 + Q + T] (index first), masks [T, Q, h4, w4] (B = 1), y uint8 [T, oh, ow].
// Launch: grid (ceil(T*oh*ow / 256)), block (256), one output pixel per thread.
#include "mrvs_resize.h"

extern "C" __global__ void __launch_bounds__(256) referred_mask(const float* __restrict__ decision,
    const float* __restrict__ masks, unsigned char* __restrict__ y,
                                         int t, int q, int h4, int w4, int ph, int pw, int rh, int rw, int oh, int ow)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)t * oh * ow) return;
    const int selected = (int)decision[0];
    const int ox = (int)(i % ow), oy = (int)(i / ow % oh), frame = (int)(i / ((long long)oh * ow));
    const int sy = mrvs_nearest(oy, rh, oh), sx = mrvs_nearest(ox, rw, ow);
    int y0, y1, x0, x1;
    float ly, lx;
    mrvs_taps(sy, h4, ph, false, y0, y1, ly);
    mrvs_taps(sx, w4, pw, false, x0, x1, lx);
    const float logit = mrvs_bilinear(masks + ((long long)frame * q + selected) * h4 * w4, w4, y0, y1, ly, x0, x1, lx);
    y[i] = 1.0f / (1.0f + expf(-logit)) > 0.5f ? 1 : 0;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(referred_mask)
