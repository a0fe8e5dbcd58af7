// online_softmax: test-only kernel for mrvs_online_softmax (kernels/include/mrvs_cuda.h), the streaming softmax
// step of the attention kernels. Each thread folds one row of scores key by key, accumulating one-hot values, so
// weights[row, j] = acc[j] / sum is the softmax weight the attention kernels would give key j.
// Layout: scores, weights [rows, n], n <= 16. Launch: grid (1), block (rows).
#include "mrvs_cuda.h"

extern "C" __global__ void test_online_softmax(const float* scores, float* weights, int n)
{
    const float* s = scores + threadIdx.x * n;
    float acc[16], m = MRVS_NEG_INF, sum = 0.0f;
    for (int j = 0; j < n; j++) acc[j] = 0.0f;
    for (int j = 0; j < n; j++)
    {
        float p;
        const float correction = mrvs_online_softmax(s[j], m, sum, p);
        for (int k = 0; k < n; k++) acc[k] = acc[k] * correction + (k == j ? p : 0.0f);
    }
    for (int j = 0; j < n; j++) weights[threadIdx.x * n + j] = acc[j] / sum;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(test_online_softmax)
