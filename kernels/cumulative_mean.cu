// cumulative_mean: running mean along axis 0, y[t] = (x[0] + ... + x[t]) / (t + 1), float32 running sum.
// Layout: x, y [T, inner]. Launch: grid (ceil(inner / 256)), block (256), one column per thread.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(256) cumulative_mean(const float* __restrict__ x, float* __restrict__ y,
    int t, long long inner)
{
    const long long j = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= inner) return;
    float sum = 0.0f;
    for (int i = 0; i < t; i++)
    {
        sum += x[i * inner + j];
        y[i * inner + j] = sum / (i + 1);
    }
}
MRVS_EXPORT_INDEPENDENT_KERNEL(cumulative_mean)
