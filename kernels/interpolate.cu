// interpolate: resize the last two axes [planes, ih, iw] → [planes, oh, ow] with PyTorch's float32 index rules.
// mode 0: legacy nearest (any element size); 1: bilinear align_corners=False; 2: bilinear align_corners=True (float32).
// Launch: grid (ceil(planes*oh*ow / 256)), block (256), one output element per thread.
#include "mrvs_resize.h"

extern "C" __global__ void __launch_bounds__(256) interpolate(const unsigned char* __restrict__ x,
    unsigned char* __restrict__ y, long long planes, int ih, int iw,
                                       int oh, int ow, int mode, int element_bytes)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= planes * oh * ow) return;
    const int ox = (int)(i % ow), oy = (int)(i / ow % oh);
    const long long plane = i / ((long long)oh * ow);
    if (mode == 0)
    {
        const long long src = (plane * ih + mrvs_nearest(oy, ih, oh)) * iw + mrvs_nearest(ox, iw, ow);
        for (int k = 0; k < element_bytes; k++) y[i * element_bytes + k] = x[src * element_bytes + k];
        return;
    }
    int y0, y1, x0, x1;
    float ly, lx;
    mrvs_taps(oy, ih, oh, mode == 2, y0, y1, ly);
    mrvs_taps(ox, iw, ow, mode == 2, x0, x1, lx);
    ((float*)y)[i] = mrvs_bilinear((const float*)x + plane * ih * iw, iw, y0, y1, ly, x0, x1, lx);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(interpolate)
