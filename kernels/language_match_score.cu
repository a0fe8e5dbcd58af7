// language_match_score: NewVOC's language-matching frame score with upstream's scrambled read-back.
// m(i) = mean over Q of cos(f[i, q], g) (plain L2 norms) for rows i = t*L + l of f [T, L, Q, C]; g [1, C];
// y[t', l'] = sigmoid(m(l'*T + t')) → [T, L, 1]. Launch: grid (T*L), block (32): one row per warp, lanes over C.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(32) language_match_score(const float* __restrict__ f,
    const float* __restrict__ g, float* __restrict__ y, int t, int l, int q, int c)
{
    const int i = blockIdx.x;
    float gg = 0.0f;
    for (int k = threadIdx.x; k < c; k += 32) gg += g[k] * g[k];
    const float gn = sqrtf(mrvs_warp_sum(gg));
    float total = 0.0f;
    for (int qi = 0; qi < q; qi++)
    {
        const float* row = f + ((long long)i * q + qi) * c;
        float ff = 0.0f;
        for (int k = threadIdx.x; k < c; k += 32) ff += row[k] * row[k];
        const float fn = sqrtf(mrvs_warp_sum(ff));
        float dot = 0.0f;
        for (int k = threadIdx.x; k < c; k += 32) dot += row[k] / fn * (g[k] / gn);
        total += mrvs_warp_sum(dot);
    }
    if (threadIdx.x == 0)
    {
        const int tp = i % t, lp = i / t;
        y[tp * l + lp] = 1.0f / (1.0f + expf(-total / q));
    }
}
MRVS_EXPORT_KERNEL(language_match_score)
