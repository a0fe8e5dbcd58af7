// window_attention: Video Swin window self-attention with relative position bias and (optionally) the shifted-
// window mask. Layout: qkv [W, N, 3C] (q, k, v blocks; heads inside each), bias [H, N, N], regions [W, N] or null
// (the shift mask's region label of each window token: -100 between different labels, 0 within one), y [W, N, C].
// Launch: grid (W * H), block (128): one (window, head) per block, one query row per thread (rows strided by
// blockDim), online softmax in registers. Limits: head dim at most 64.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(128) window_attention(const float* __restrict__ qkv, const float* __restrict__ bias, const float* __restrict__ regions,
                                            float* __restrict__ y, int n, int c, int heads)
{
    const int window = blockIdx.x / heads, h = blockIdx.x % heads, dh = c / heads;
    const float scale = rsqrtf((float)dh);
    const float* rows = qkv + (long long)window * n * 3 * c;
    for (int i = threadIdx.x; i < n; i += blockDim.x)
    {
        float qs[64], acc[64];
        for (int d = 0; d < dh; d++) { qs[d] = rows[(long long)i * 3 * c + h * dh + d] * scale; acc[d] = 0.0f; }
        const float* bias_row = bias + ((long long)h * n + i) * n;
        const float* region = regions ? regions + (long long)window * n : nullptr;
        float m = MRVS_NEG_INF, sum = 0.0f;
        for (int j = 0; j < n; j++)
        {
            const float* kr = rows + (long long)j * 3 * c + c + h * dh;
            float s = 0.0f;
            for (int d = 0; d < dh; d++) s += qs[d] * kr[d];
            s += bias_row[j];
            if (region) s += region[j] == region[i] ? 0.0f : -100.0f;
            float p;
            const float correction = mrvs_online_softmax(s, m, sum, p);
            const float* vr = rows + (long long)j * 3 * c + 2 * c + h * dh;
            for (int d = 0; d < dh; d++) acc[d] = acc[d] * correction + p * vr[d];
        }
        float* yr = y + ((long long)window * n + i) * c + h * dh;
        for (int d = 0; d < dh; d++) yr[d] = acc[d] / sum;
    }
}
MRVS_EXPORT_INDEPENDENT_KERNEL(window_attention)
