// interpolate: resize the last two axes [planes, ih, iw] → [planes, oh, ow] with PyTorch's float32 index rules.
// mode 0: legacy nearest (any element size); 1: bilinear align_corners=False; 2: bilinear align_corners=True (float32).
// Launch: grid (ceil(planes*oh*ow / 256)), block (256), one output element per thread.
#include "mrvs_cuda.h"

__device__ __forceinline__ int mrvs_nearest(int dst, int in, int out)
{
    if (out == in) return dst;
    if (out == 2 * in) return dst >> 1;
    const int s = (int)floorf(dst * ((float)in / out));
    return s < in - 1 ? s : in - 1;
}

__device__ __forceinline__ void mrvs_taps(int dst, int in, int out, bool align, int& i0, int& i1, float& lambda)
{
    const float scale = align ? (out > 1 ? (float)(in - 1) / (out - 1) : 0.0f) : (float)in / out;
    const float src = align ? scale * dst : fmaxf(scale * (dst + 0.5f) - 0.5f, 0.0f);
    i0 = (int)src < in - 1 ? (int)src : in - 1;
    i1 = i0 < in - 1 ? i0 + 1 : i0;
    lambda = src - i0;
}

extern "C" __global__ void interpolate(const unsigned char* __restrict__ x, unsigned char* __restrict__ y, long long planes, int ih, int iw,
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
    const float* p = (const float*)x + plane * ih * iw;
    const float* ra = p + (long long)y0 * iw;
    const float* rb = p + (long long)y1 * iw;
    ((float*)y)[i] = (1.0f - ly) * ((1.0f - lx) * ra[x0] + lx * ra[x1]) + ly * ((1.0f - lx) * rb[x0] + lx * rb[x1]);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(interpolate)
