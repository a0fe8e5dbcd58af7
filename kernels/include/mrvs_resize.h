// PyTorch's float32 source-index rules for F.interpolate, shared by the resize kernels.
#pragma once
#include "mrvs_cuda.h"

// Legacy 'nearest': dst itself when sizes match, dst/2 for exact doubling, else floor(dst · in/out) in float32.
__device__ __forceinline__ int mrvs_nearest(int dst, int in, int out)
{
    if (out == in) return dst;
    if (out == 2 * in) return dst >> 1;
    const int s = (int)floorf(dst * ((float)in / out));
    return s < in - 1 ? s : in - 1;
}

// Bilinear taps of output index dst: source indices i0, i1 and the weight lambda of i1 (ATen's arithmetic).
__device__ __forceinline__ void mrvs_taps(int dst, int in, int out, bool align, int& i0, int& i1, float& lambda)
{
    const float scale = align ? (out > 1 ? (float)(in - 1) / (out - 1) : 0.0f) : (float)in / out;
    const float src = align ? scale * dst : fmaxf(scale * (dst + 0.5f) - 0.5f, 0.0f);
    i0 = (int)src < in - 1 ? (int)src : in - 1;
    i1 = i0 < in - 1 ? i0 + 1 : i0;
    lambda = src - i0;
}

// Bilinear sample of a row-major [ih, iw] plane at the taps of output pixel (oy, ox), in ATen's order of operations.
__device__ __forceinline__ float mrvs_bilinear(const float* plane, int iw, int y0, int y1, float ly, int x0, int x1,
    float lx)
{
    const float* ra = plane + (long long)y0 * iw;
    const float* rb = plane + (long long)y1 * iw;
    return (1.0f - ly) * ((1.0f - lx) * ra[x0] + lx * ra[x1]) + ly * ((1.0f - lx) * rb[x0] + lx * rb[x1]);
}
