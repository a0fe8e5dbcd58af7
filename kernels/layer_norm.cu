// layer_norm: y = LN(x [+ residual]) * gamma + beta over the last axis (biased variance, eps inside the sqrt).
// Layout: x, residual, y [rows, n] row-major; gamma, beta [n]. residual may be null.
// Launch: grid (rows), block (128): one block per row, block reductions for mean and variance.
// Limits: blockDim.x a multiple of 32; two passes over the row in global memory.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(128) layer_norm(const float* __restrict__ x, const float* __restrict__ residual, const float* __restrict__ gamma,
                                      const float* __restrict__ beta, float* __restrict__ y, int n, float eps)
{
    __shared__ float scratch[32];
    const long long row = blockIdx.x;
    const float* xr = x + row * n;
    const float* rr = residual ? residual + row * n : nullptr;
    float* yr = y + row * n;
    float sum = 0.0f;
    for (int j = threadIdx.x; j < n; j += blockDim.x)
    {
        float v = rr ? xr[j] + rr[j] : xr[j];
        yr[j] = v;
        sum += v;
    }
    const float mean = mrvs_block_sum(sum, scratch) / n;
    float sq = 0.0f;
    for (int j = threadIdx.x; j < n; j += blockDim.x)
    {
        float d = yr[j] - mean;
        sq += d * d;
    }
    const float rstd = rsqrtf(mrvs_block_sum(sq, scratch) / n + eps);
    for (int j = threadIdx.x; j < n; j += blockDim.x) yr[j] = (yr[j] - mean) * rstd * gamma[j] + beta[j];
}
MRVS_EXPORT_KERNEL(layer_norm)
