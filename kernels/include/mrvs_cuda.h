// Common header of every kernel in kernels/. Under NVRTC it only adds the project's helper macros; built by the
// host C++ compiler with MRVS_EMULATION defined (CMakeLists.txt) it brings in the CPU emulation of CUDA.
#pragma once

#ifdef MRVS_EMULATION
#include "mrvs_emu.h"
#else
// Export a kernel to the emulation library (cooperative or independent threads); nothing to do for NVRTC.
#define MRVS_EXPORT_KERNEL(name)
#define MRVS_EXPORT_INDEPENDENT_KERNEL(name)
// Dynamic shared memory of the launch, viewed as an array of `type`.
#define MRVS_DYNAMIC_SMEM(type, name)                                                       \
    extern __shared__ __align__(16) unsigned char mrvs_dynamic_smem_##name[];                \
    type* name = reinterpret_cast<type*>(mrvs_dynamic_smem_##name)
#endif

#define MRVS_WARP 32
#define MRVS_NEG_INF (__int_as_float(0xff800000))

// Every kernel states its block size with __launch_bounds__(n): the backend launches it with n threads (a test checks
// it; no launch may exceed n; mrvs kernels report computes occupancy from it). __launch_bounds__(MRVS_AT_MOST(n))
// marks a kernel whose launches use at most n threads, the number set by the shape.
#define MRVS_AT_MOST(n) n

// Sum of `v` over the 32 lanes of a warp (every lane gets the total).
__device__ __forceinline__ float mrvs_warp_sum(float v)
{
    for (int offset = MRVS_WARP / 2; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ __forceinline__ float mrvs_warp_max(float v)
{
    for (int offset = MRVS_WARP / 2; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

// One key of an online (streaming) softmax: folds score s into the running max m and sum, sets p to the key's
// weight relative to the new max and returns the factor that rescales what was accumulated so far. The first
// finite score gives correction 0 (m starts at -inf), so accumulators need no special first step. While every
// score so far is -inf the max stays -inf and -inf - -inf would be NaN: the exponents are then taken against 0,
// so such keys weigh 0 and the sum stays 0 (a row of only -inf ends with sum 0, as softmax's 0/0).
__device__ __forceinline__ float mrvs_online_softmax(float s, float& m, float& sum, float& p)
{
    const float m2 = fmaxf(m, s), base = m2 == MRVS_NEG_INF ? 0.0f : m2, correction = expf(m - base);
    p = expf(s - base);
    sum = sum * correction + p;
    m = m2;
    return correction;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024): warp sums, then the first warp sums those.
// `scratch` holds 32 floats of shared memory; every thread gets the total.
__device__ __forceinline__ float mrvs_block_sum(float v, float* scratch)
{
    const int lane = threadIdx.x % MRVS_WARP, warp = threadIdx.x / MRVS_WARP, warps = blockDim.x / MRVS_WARP;
    v = mrvs_warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.0f;
    return mrvs_warp_sum(v);
}
