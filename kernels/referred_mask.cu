// referred_mask: the Ref-YouTube-VOS post-processing in one pass (ReferredMaskOp). Each block first picks the
// query with the highest clip score (max over classes of the mean over frames of sigmoid(logit), first on ties)
// into shared memory; then each thread makes one output pixel: nearest source in the resized frame, bilinear
// sample (align_corners = False) of that query's mask logits at that pixel of the padded grid, sigmoid > 0.5.
// Layout: cls [T, Q, K], masks [T, Q, h4, w4] (B = 1), y uint8 [T, oh, ow].
// Launch: grid (ceil(T*oh*ow / 256)), block (256), dynamic shared memory Q floats.
// Limits: every block recomputes the T·Q·K sigmoids of the choice (tens to thousands: far cheaper than a launch).
#include "mrvs_resize.h"

extern "C" __global__ void __launch_bounds__(256) referred_mask(const float* __restrict__ cls, const float* __restrict__ masks, unsigned char* __restrict__ y,
                                         int t, int q, int k, int h4, int w4, int ph, int pw, int rh, int rw, int oh, int ow)
{
    MRVS_DYNAMIC_SMEM(float, scores);
    __shared__ int selected;
    for (int qi = threadIdx.x; qi < q; qi += blockDim.x)
    {
        float score = MRVS_NEG_INF;
        for (int ki = 0; ki < k; ki++)
        {
            float sum = 0.0f;
            for (int ti = 0; ti < t; ti++) sum += 1.0f / (1.0f + expf(-cls[(ti * q + qi) * k + ki]));
            score = fmaxf(score, sum / t);
        }
        scores[qi] = score;
    }
    __syncthreads();
    if (threadIdx.x == 0)
    {
        int best = 0;
        for (int qi = 1; qi < q; qi++) if (scores[qi] > scores[best]) best = qi;
        selected = best;
    }
    __syncthreads();

    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)t * oh * ow) return;
    const int ox = (int)(i % ow), oy = (int)(i / ow % oh), frame = (int)(i / ((long long)oh * ow));
    const int sy = mrvs_nearest(oy, rh, oh), sx = mrvs_nearest(ox, rw, ow);
    int y0, y1, x0, x1;
    float ly, lx;
    mrvs_taps(sy, h4, ph, false, y0, y1, ly);
    mrvs_taps(sx, w4, pw, false, x0, x1, lx);
    const float logit = mrvs_bilinear(masks + ((long long)frame * q + selected) * h4 * w4, w4, y0, y1, ly, x0, x1, lx);
    y[i] = 1.0f / (1.0f + expf(-logit)) > 0.5f ? 1 : 0;
}
MRVS_EXPORT_KERNEL(referred_mask)
