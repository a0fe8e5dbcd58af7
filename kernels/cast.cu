// cast: converts between float32 (0), int64 (1), bool (2) and uint8 (3); bool/uint8 from numbers are x != 0 / (uint8)x.
// cast_narrow (not a graph op: the CUDA backend's fp16/bf16 GEMMs narrow their float32 operands with it): float32 to
// IEEE half (to 0) or bfloat16 (to 1), rounding to nearest even (mrvs_half.h).
// Layout: x, y [count]. Launch: grid (ceil(count / 256)), block (256), one element per thread.
#include "mrvs_cuda.h"
#include "mrvs_half.h"

extern "C" __global__ void __launch_bounds__(256) cast(const void* __restrict__ x, void* __restrict__ y,
    long long count, int from, int to)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    double v = from == 0 ? (double)((const float*)x)[i] : from == 1 ? (double)((const long long*)x)[i]
        : (double)((const unsigned char*)x)[i];
    if (to == 0) ((float*)y)[i] = (float)v;
    else if (to == 1) ((long long*)y)[i] = (long long)v;
    else ((unsigned char*)y)[i] = to == 2 ? (unsigned char)(v != 0.0) : (unsigned char)v;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(cast)

extern "C" __global__ void __launch_bounds__(256) cast_narrow(const float* __restrict__ x,
    unsigned short* __restrict__ y, long long count, int to)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    y[i] = to == 0 ? mrvs_float_to_half(x[i]).bits : mrvs_float_to_bf16(x[i]).bits;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(cast_narrow)
