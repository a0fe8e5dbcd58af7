// patch_merge: Swin patch merging gather x [D, H, W, C] → [D, ceil(H/2), ceil(W/2), 4C], phases (0,0), (1,0), (0,1),
// (1,1) (row parity first), zeros past odd edges. Launch: grid (ceil(count / 256)), block (256), one element per
// thread.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(256) patch_merge(const float* __restrict__ x, float* __restrict__ y,
    long long count, int h, int w, int c)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    const int h2 = (h + 1) / 2, w2 = (w + 1) / 2;
    const int ch = (int)(i % c), phase = (int)(i / c % 4);
    const long long token = i / (4LL * c);
    const int j = (int)(token % w2), r = (int)(token / w2 % h2);
    const long long z = token / ((long long)w2 * h2);
    const int yy = 2 * r + (phase & 1), xx = 2 * j + (phase >> 1);
    y[i] = yy < h && xx < w ? x[((z * h + yy) * w + xx) * c + ch] : 0.0f;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(patch_merge)
