// referred_query: the clip's referred object, decided once (ReferredQueryOp). Each thread scores queries: the max
// over classes of the mean over frames of sigmoid(logit); thread 0 picks the highest (the first on ties); then each
// thread scores frames: the chosen query's max over classes of sigmoid(logit).
// Layout: cls [T, Q, K] (B = 1); decision [1 + Q + T]: the chosen index (as a float), the Q clip scores, the T frame
// scores.
// Launch: grid (1), block (128). Limits: one block; the choice is O(T·Q·K) sigmoids (thousands), cheaper than a launch.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(128) referred_query(const float* __restrict__ cls,
    float* __restrict__ decision, int t, int q, int k)
{
    __shared__ int chosen;
    float* scores = decision + 1;
    for (int qi = threadIdx.x; qi < q; qi += blockDim.x)
    {
        float score = MRVS_NEG_INF;
        for (int ki = 0; ki < k; ki++)
        {
            float sum = 0.0f;
            for (int ti = 0; ti < t; ti++) sum += 1.0f / (1.0f + expf(-cls[(ti * q + qi) * k + ki]));
            score = fmaxf(score, sum / t);
        }
        scores[qi] = score;
    }
    __syncthreads();
    if (threadIdx.x == 0)
    {
        int best = 0;
        for (int qi = 1; qi < q; qi++) if (scores[qi] > scores[best]) best = qi;
        chosen = best;
        decision[0] = (float)best;
    }
    __syncthreads();
    for (int ti = threadIdx.x; ti < t; ti += blockDim.x)
    {
        float score = MRVS_NEG_INF;
        for (int ki = 0; ki < k; ki++) score = fmaxf(score, 1.0f / (1.0f + expf(-cls[(ti * q + chosen) * k + ki])));
        decision[1 + q + ti] = score;
    }
}
MRVS_EXPORT_KERNEL(referred_query)
