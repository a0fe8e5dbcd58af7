// frame_score_aggregation: NewVOC's scored memory, y[l, t*Q + q, c] = f[l, t, q, c] * s(t, l), with the frame score
// s = visibility + match + w * variance added in upstream's order (w = 0.5,
// FrameScoreAggregationOp.VarianceWeight). One pass from the three score heads' outputs to
// the encoder's memory, where the unfused graph ran five launches (two adds, a scale, the layer-major permute of s
// and a broadcast multiply over the frame queries).
// Layout: f and y [n, T, Q*C] (y viewed as [n, T*Q, C]); visibility, match, variance [T, n, 1].
// Launch: grid (ceil(n*T*Q*C / 256)), block (256), one element per thread; block = Q*C.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(256) frame_score_aggregation(const float* __restrict__ f,
    const float* __restrict__ visibility, const float* __restrict__ match,
                                                   const float* __restrict__ variance, float* __restrict__ y,
                                                       long long count, long long block, int n, int t,
                                                   float variance_weight)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    const long long lt = i / block;
    const long long s = lt % t * n + lt / t; // score (frame, layer) of the layer-major block lt
    y[i] = f[i] * (visibility[s] + match[s] + variance_weight * variance[s]);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(frame_score_aggregation)
