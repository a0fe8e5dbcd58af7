// mma: test-only kernel for mrvs_mma_16816 and mrvs_mma_16816_by_shuffles (kernels/include/mrvs_mma.h): one warp
// loads plain row-major matrices into the PTX fragments of mma.sync.m16n8k16 as the header documents them,
// multiplies, and stores D the same way, so d = a·b + c exactly when (and only when) the fragment mapping is right.
// Layout: a [16, 16], b [16, 8], c and d [16, 8], row-major floats; bf16 = 1 for bf16 operands, 0 for fp16;
// shuffles = 1 for the version without tensor cores. Launch: grid (1), block (32).
#include "mrvs_mma.h"

template <bool bf16>
__device__ void test_mma_typed(const float* a, const float* b, float (&acc)[4], int shuffles)
{
    const int g = threadIdx.x >> 2, t = threadIdx.x & 3, r0 = g * 16 + 2 * t, r1 = (g + 8) * 16 + 2 * t;
    const unsigned int af[4] = {mrvs_pack16<bf16>(a[r0], a[r0 + 1]), mrvs_pack16<bf16>(a[r1], a[r1 + 1]),
                                mrvs_pack16<bf16>(a[r0 + 8], a[r0 + 9]), mrvs_pack16<bf16>(a[r1 + 8], a[r1 + 9])};
    const unsigned int bf[2] = {mrvs_pack16<bf16>(b[2 * t * 8 + g], b[(2 * t + 1) * 8 + g]),
                                mrvs_pack16<bf16>(b[(2 * t + 8) * 8 + g], b[(2 * t + 9) * 8 + g])};
    if (shuffles) mrvs_mma_16816_by_shuffles<bf16>(acc, af, bf);
    else mrvs_mma_16816<bf16>(acc, af, bf);
}

extern "C" __global__ void __launch_bounds__(32) test_mma(const float* a, const float* b, const float* c, float* d,
                                                          int bf16, int shuffles)
{
    const int g = threadIdx.x >> 2, t = threadIdx.x & 3;
    float acc[4] = {c[g * 8 + 2 * t], c[g * 8 + 2 * t + 1], c[(g + 8) * 8 + 2 * t], c[(g + 8) * 8 + 2 * t + 1]};
    if (bf16) test_mma_typed<true>(a, b, acc, shuffles);
    else test_mma_typed<false>(a, b, acc, shuffles);
    d[g * 8 + 2 * t] = acc[0];
    d[g * 8 + 2 * t + 1] = acc[1];
    d[(g + 8) * 8 + 2 * t] = acc[2];
    d[(g + 8) * 8 + 2 * t + 1] = acc[3];
}
MRVS_EXPORT_KERNEL(test_mma)
