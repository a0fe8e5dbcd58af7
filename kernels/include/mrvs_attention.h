// The pieces window_attention.cu and attention.cu share, FlashAttention-2 style on CUDA cores: a tile of key or value
// rows staged in shared memory, and one key folded into a query row's online softmax. A query row of head dim bound
// D belongs to D / MRVS_ATTN_WIDTH adjacent threads (its lanes), each holding MRVS_ATTN_WIDTH channels of q and of the
// output in registers: with 16 a thread spills at the 64 registers that 50 % occupancy allows.
#pragma once
#include "mrvs_cuda.h"
#include "mrvs_half.h"

#define MRVS_ATTN_KEYS 32
#define MRVS_ATTN_WIDTH 8

// Rows [0, count) of src (row stride `stride` floats, `dims` channels each) into dst [MRVS_ATTN_KEYS, D], zero past
// count and past dims, 16-byte loads when the rows allow them. Called by all `threads` threads of the block.
template <int D, int threads>
__device__ __forceinline__ void mrvs_attention_stage(const float* __restrict__ src, int stride, int count, int dims,
                                                     float* dst)
{
    const bool vector = (dims & 3) == 0 && (stride & 3) == 0 && (reinterpret_cast<unsigned long long>(src) & 15) == 0;
    // Not unrolled: the loads of several iterations in flight would cost registers beside q and the output.
    if (vector)
#pragma unroll 1
        for (int x = threadIdx.x; x < MRVS_ATTN_KEYS * D / 4; x += threads)
        {
            const int row = x / (D / 4), d = x % (D / 4) * 4;
            float4 value = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            if (row < count && d < dims) value = *reinterpret_cast<const float4*>(src + (long long)row * stride + d);
            *reinterpret_cast<float4*>(dst + row * D + d) = value;
        }
    else
#pragma unroll 1
        for (int x = threadIdx.x; x < MRVS_ATTN_KEYS * D; x += threads)
        {
            const int row = x / D, d = x % D;
            dst[x] = row < count && d < dims ? src[(long long)row * stride + d] : 0.0f;
        }
}

// Folds one key into a query row: s = scale · q·k + bias (the lanes' partial dot products summed by shuffles; every
// lane gets s), then the online softmax: the running sum and output are rescaled only when the row's max grows
// (otherwise the factor would be exp(0) = 1), and a score of -inf weighs 0. k_row and v_row point at this thread's
// channels of the staged key and value.
template <int lanes>
__device__ __forceinline__ void mrvs_attention_key(const float (&q)[MRVS_ATTN_WIDTH], float (&acc)[MRVS_ATTN_WIDTH],
                                                   float& m, float& sum, const float* k_row, const float* v_row,
                                                   float scale, float bias)
{
    float s = 0.0f;
#pragma unroll
    for (int k = 0; k < MRVS_ATTN_WIDTH / 4; k++)
    {
        const float4 kv = reinterpret_cast<const float4*>(k_row)[k];
        s += q[4 * k] * kv.x + q[4 * k + 1] * kv.y + q[4 * k + 2] * kv.z + q[4 * k + 3] * kv.w;
    }
#pragma unroll
    for (int o = lanes / 2; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    s = s * scale + bias;
    if (s > m)
    {
        const float correction = expf(m - s);
        sum *= correction;
#pragma unroll
        for (int k = 0; k < MRVS_ATTN_WIDTH; k++) acc[k] *= correction;
        m = s;
    }
    const float p = s == MRVS_NEG_INF ? 0.0f : expf(s - m);
    sum += p;
#pragma unroll
    for (int k = 0; k < MRVS_ATTN_WIDTH / 4; k++)
    {
        const float4 vv = reinterpret_cast<const float4*>(v_row)[k];
        acc[4 * k] += p * vv.x;
        acc[4 * k + 1] += p * vv.y;
        acc[4 * k + 2] += p * vv.z;
        acc[4 * k + 3] += p * vv.w;
    }
}

// The output channels [first, first + MRVS_ATTN_WIDTH) below dims of a finished row: acc / sum (0/0 = NaN for a row
// whose every key was -inf, as softmax), stored from element `start` of y in store type `type` (mrvs_half.h).
__device__ __forceinline__ void mrvs_attention_store(const float (&acc)[MRVS_ATTN_WIDTH], float sum,
                                                     void* __restrict__ y, long long start, int first, int dims,
                                                     int type)
{
    const float inv = 1.0f / sum;
#pragma unroll
    for (int k = 0; k < MRVS_ATTN_WIDTH; k++)
        if (first + k < dims) mrvs_store(y, start + first + k, acc[k] * inv, type);
}
