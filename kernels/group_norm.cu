// group_norm: GroupNorm over x [N, C, S] (S = spatial size) with per-channel gamma/beta, optional fused ReLU.
// Launch: grid (N * groups), block (256): one block per (sample, group), block reductions for mean and variance.
// Limits: blockDim.x a multiple of 32; two passes over the group in global memory.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(256) group_norm(const float* __restrict__ x,
    const float* __restrict__ gamma, const float* __restrict__ beta,
                                      float* __restrict__ y, int channels, int groups, long long spatial, float eps,
                                          int relu)
{
    __shared__ float scratch[32];
    const int cg = channels / groups, g = blockIdx.x % groups;
    const long long len = cg * spatial, base = (long long)blockIdx.x * len;
    float sum = 0.0f;
    for (long long j = threadIdx.x; j < len; j += blockDim.x) sum += x[base + j];
    const float mean = mrvs_block_sum(sum, scratch) / len;
    float sq = 0.0f;
    for (long long j = threadIdx.x; j < len; j += blockDim.x)
    {
        float d = x[base + j] - mean;
        sq += d * d;
    }
    const float rstd = rsqrtf(mrvs_block_sum(sq, scratch) / len + eps);
    for (long long j = threadIdx.x; j < len; j += blockDim.x)
    {
        const int c = g * cg + (int)(j / spatial);
        float v = (x[base + j] - mean) * rstd * gamma[c] + beta[c];
        y[base + j] = relu && v < 0.0f ? 0.0f : v;
    }
}
MRVS_EXPORT_KERNEL(group_norm)
