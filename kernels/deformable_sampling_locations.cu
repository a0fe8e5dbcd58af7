// deformable_sampling_locations: MSDeformAttn sampling locations from the offsets linear [N, Lq, M*L*P*2] and the
// references [N, Lq, L, 2|4]: 2-d: ref + off / (W_l, H_l); 4-d: ref.xy + off / P * ref.wh * 0.5.
// Output [N, Lq, M, L, P, 2]. shapes: int32 [L, 2] (h, w) in device memory.
// Launch: grid (ceil(N*Lq*M*L*P / 256)), block (256), one sample point per thread.
#include "mrvs_cuda.h"

extern "C" __global__ void __launch_bounds__(256) deformable_sampling_locations(const float* __restrict__ off, const float* __restrict__ ref, const int* __restrict__ shapes,
                                                         float* __restrict__ y, long long samples, int heads, int levels, int points, int ref_dims)
{
    const long long k = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= samples) return;
    const int l = (int)(k / points % levels);
    const long long query = k / ((long long)points * levels * heads);
    const float* r = ref + (query * levels + l) * ref_dims;
    const float ox = off[2 * k], oy = off[2 * k + 1];
    if (ref_dims == 2)
    {
        y[2 * k] = r[0] + ox / shapes[2 * l + 1];
        y[2 * k + 1] = r[1] + oy / shapes[2 * l];
    }
    else
    {
        y[2 * k] = r[0] + ox / points * r[2] * 0.5f;
        y[2 * k + 1] = r[1] + oy / points * r[3] * 0.5f;
    }
}
MRVS_EXPORT_INDEPENDENT_KERNEL(deformable_sampling_locations)
