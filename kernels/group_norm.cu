// group_norm: GroupNorm over x [N, C, S] (S = spatial size), or channels last [N, S, C], with per-channel
// gamma/beta, optional fused ReLU.
// Launch: grid (N * groups), block (256): one block per (sample, group), block reductions for mean and variance.
// Channels last, a group's C/groups channels of one position are contiguous (8 floats, one 32-byte sector, in the
// input projections), the positions C apart.
// Limits: blockDim.x a multiple of 32; two passes over the group in global memory.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(256) group_norm(const float* __restrict__ x,
    const float* __restrict__ gamma, const float* __restrict__ beta,
                                      float* __restrict__ y, int channels, int groups, long long spatial, float eps,
                                          int relu, int channels_last)
{
    __shared__ float scratch[32];
    const int cg = channels / groups, g = blockIdx.x % groups;
    const long long len = cg * spatial;
    // Element j of the group: channel j / spatial at position j % spatial, or (channels last) position j / cg of
    // channel j % cg; each thread's offsets advance by a fixed step only channels first.
    const long long sample = (long long)(blockIdx.x / groups) * channels * spatial;
    auto at = [&](long long j) -> long long {
        return channels_last ? sample + (j / cg) * channels + g * cg + j % cg : sample + g * cg * spatial + j;
    };
    float sum = 0.0f;
    for (long long j = threadIdx.x; j < len; j += blockDim.x) sum += x[at(j)];
    const float mean = mrvs_block_sum(sum, scratch) / len;
    float sq = 0.0f;
    for (long long j = threadIdx.x; j < len; j += blockDim.x)
    {
        float d = x[at(j)] - mean;
        sq += d * d;
    }
    const float rstd = rsqrtf(mrvs_block_sum(sq, scratch) / len + eps);
    for (long long j = threadIdx.x; j < len; j += blockDim.x)
    {
        const int c = g * cg + (int)(channels_last ? j % cg : j / spatial);
        const long long i = at(j);
        float v = (x[i] - mean) * rstd * gamma[c] + beta[c];
        y[i] = relu && v < 0.0f ? 0.0f : v;
    }
}
MRVS_EXPORT_KERNEL(group_norm)
