// deformable_reference_points: encoder reference points from valid ratios vr [N, L, 2]: token (i, j) of level l is
// ((j + 0.5) / (vr_x[l] * W_l), (i + 0.5) / (vr_y[l] * H_l)) times vr[l'] for every level l' → y [N, S, L, 2].
// shapes: int32 [L, 2] (h, w) and starts [L] in device memory.
// Launch: grid (ceil(N*S / 128)), block (128), one token per thread.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(128) deformable_reference_points(const float* __restrict__ vr,
    const int* __restrict__ shapes, const int* __restrict__ starts,
                                                       float* __restrict__ y, int n, int s, int levels)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)n * s) return;
    const int token = (int)(i % s);
    const long long b = i / s;
    int l = 0;
    while (l + 1 < levels && token >= starts[l + 1]) l++;
    const int h = shapes[2 * l], w = shapes[2 * l + 1], local = token - starts[l];
    const float* v = vr + b * levels * 2;
    const float rx = (local % w + 0.5f) / (v[2 * l] * w), ry = (local / w + 0.5f) / (v[2 * l + 1] * h);
    float* dst = y + i * levels * 2;
    for (int t = 0; t < levels; t++)
    {
        dst[2 * t] = rx * v[2 * t];
        dst[2 * t + 1] = ry * v[2 * t + 1];
    }
}
MRVS_EXPORT_INDEPENDENT_KERNEL(deformable_reference_points)
