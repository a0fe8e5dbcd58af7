// softmax: max-subtracted softmax over the last axis. Layout: x, y [rows, n] row-major.
// Launch: grid (rows), block (128): one block per row. Limits: blockDim.x a multiple of 32.
#include "mrvs_cuda.h"

__device__ __forceinline__ float mrvs_block_max(float v, float* scratch)
{
    const int lane = threadIdx.x % MRVS_WARP, warp = threadIdx.x / MRVS_WARP, warps = blockDim.x / MRVS_WARP;
    v = mrvs_warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : MRVS_NEG_INF;
    return mrvs_warp_max(v);
}

extern "C" __global__ void __launch_bounds__(128) softmax(const float* __restrict__ x, float* __restrict__ y, int n)
{
    __shared__ float scratch[32];
    const long long row = blockIdx.x;
    const float* xr = x + row * n;
    float* yr = y + row * n;
    float m = MRVS_NEG_INF;
    for (int j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, xr[j]);
    m = mrvs_block_max(m, scratch);
    float sum = 0.0f;
    for (int j = threadIdx.x; j < n; j += blockDim.x)
    {
        float e = expf(xr[j] - m);
        yr[j] = e;
        sum += e;
    }
    const float total = mrvs_block_sum(sum, scratch);
    for (int j = threadIdx.x; j < n; j += blockDim.x) yr[j] /= total;
}
MRVS_EXPORT_KERNEL(softmax)
