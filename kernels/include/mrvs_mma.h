// Tensor-core matrix multiply-accumulate of one warp, mma.sync.aligned.m16n8k16.row.col with fp16 or bf16 operands and
// float32 accumulation: D[16×8] += A[16×16]·B[16×8]. Each lane holds the PTX fragments (lane = 4·g + t):
//   A: a[0] = A[g][2t, 2t+1], a[1] = A[g+8][2t, 2t+1], a[2] = A[g][2t+8, 2t+9], a[3] = A[g+8][2t+8, 2t+9];
//   B: b[0] = B[2t, 2t+1][g], b[1] = B[2t+8, 2t+9][g];
//   D: d[0], d[1] = D[g][2t, 2t+1], d[2], d[3] = D[g+8][2t, 2t+1];
// two 16-bit elements per 32-bit register, the lower-indexed one in the low half. Under NVRTC one mma.sync on sm_80
// and later, and mrvs_mma_16816_by_shuffles before (no tensor cores: the same products by shuffles and float32
// math); in the emulation a warp-collective step, as shuffles are: the lanes' fragments are gathered and each lane
// computes its four results from the whole A and B. Both compute exact products summed in float32 in k order, then
// added to D, so the fragment mapping of every kernel that uses them is exercised on the CPU.
#pragma once
#include "mrvs_half.h"

// Two floats rounded to the 16-bit type, packed as a fragment register (lo in the low half).
template <bool bf16>
__device__ __forceinline__ unsigned int mrvs_pack16(float lo, float hi)
{
    const unsigned int l = bf16 ? mrvs_float_to_bf16(lo).bits : mrvs_float_to_half(lo).bits;
    const unsigned int h = bf16 ? mrvs_float_to_bf16(hi).bits : mrvs_float_to_half(hi).bits;
    return l | h << 16;
}

// Element `half` (0: low) of a fragment register, widened.
template <bool bf16>
__device__ __forceinline__ float mrvs_mma_element(unsigned int reg, int half)
{
    const unsigned short bits = (unsigned short)(reg >> (16 * half));
    if (bf16) return mrvs_bf16_to_float(mrvs_bf16{bits});
    return mrvs_half_to_float(mrvs_half{bits});
}

// D += A·B from the fragments without tensor cores (GPUs before sm_80): each lane fetches its rows of A and columns of
// B from the lanes holding them, two k at a time per shuffle. Blocks are one-dimensional (lane = threadIdx.x % 32).
template <bool bf16>
__device__ __forceinline__ void mrvs_mma_16816_by_shuffles(float (&d)[4], const unsigned int (&a)[4],
                                                           const unsigned int (&b)[2])
{
    const int g = threadIdx.x % 32 >> 2, t = threadIdx.x & 3;
    float sum[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
    for (int kp = 0; kp < 8; kp++) // k = 2kp, 2kp + 1: register kp / 4 (+1 for rows g + 8) of lane 4·row + kp % 4
    {
        const unsigned int a0 = __shfl_sync(0xffffffffu, a[2 * (kp >> 2)], 4 * g + (kp & 3));
        const unsigned int a1 = __shfl_sync(0xffffffffu, a[2 * (kp >> 2) + 1], 4 * g + (kp & 3));
        const unsigned int b0 = __shfl_sync(0xffffffffu, b[kp >> 2], 8 * t + (kp & 3));
        const unsigned int b1 = __shfl_sync(0xffffffffu, b[kp >> 2], 8 * t + 4 + (kp & 3));
#pragma unroll
        for (int h = 0; h < 2; h++)
        {
            const float r0 = mrvs_mma_element<bf16>(a0, h), r1 = mrvs_mma_element<bf16>(a1, h);
            const float c0 = mrvs_mma_element<bf16>(b0, h), c1 = mrvs_mma_element<bf16>(b1, h);
            sum[0] += r0 * c0;
            sum[1] += r0 * c1;
            sum[2] += r1 * c0;
            sum[3] += r1 * c1;
        }
    }
#pragma unroll
    for (int i = 0; i < 4; i++) d[i] += sum[i];
}

template <bool bf16>
__device__ __forceinline__ void mrvs_mma_16816(float (&d)[4], const unsigned int (&a)[4], const unsigned int (&b)[2])
{
#ifdef MRVS_EMULATION
    struct Fragments
    {
        unsigned int a[4], b[2];
    };
    Fragments mine{{a[0], a[1], a[2], a[3]}, {b[0], b[1]}}, all[32];
    mrvs_emu::warp_gather(&mine, all, sizeof(Fragments));
    const int lane = mrvs_emu::lane_id(), g = lane >> 2, t = lane & 3;
    if (lane == 0) mrvs_emu::count_mma();
    for (int i = 0; i < 4; i++)
    {
        const int row = g + (i >= 2 ? 8 : 0), col = 2 * t + (i & 1);
        float sum = 0.0f;
        for (int k = 0; k < 16; k++)
        {
            // A[row][k] is in lane 4·(row % 8) + (k % 8) / 2, register (row ≥ 8) + 2·(k ≥ 8); B[k][col] in lane
            // 4·col + (k % 8) / 2, register (k ≥ 8); the element's half is k % 2.
            const float av = mrvs_mma_element<bf16>(all[4 * (row % 8) + k % 8 / 2].a[(row >= 8) + 2 * (k >= 8)], k & 1);
            const float bv = mrvs_mma_element<bf16>(all[4 * col + k % 8 / 2].b[k >= 8], k & 1);
            sum += av * bv;
        }
        d[i] += sum;
    }
#elif __CUDA_ARCH__ < 800
    mrvs_mma_16816_by_shuffles<bf16>(d, a, b);
#else
    if (bf16)
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                     "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
    else
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                     "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}
