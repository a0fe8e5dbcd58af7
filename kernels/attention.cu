// attention: multi-head scaled dot-product attention on projected, batch-first tensors, FP32 on CUDA cores.
// Layout: q [B, Lq, E], k [B, Lk, E], v [B, Lk, Ev], y [B, Lq, Ev]; head h owns channels [h*E/H, (h+1)*E/H).
// key_padding [B, Lk] (bytes, 1 = ignore) and additive [Lq, Lk] are optional (null).
// scale_scores = 0: q is scaled before QK^T (nn.MultiheadAttention); 1: QK^T is divided afterwards (RoBERTa).
// Launch: grid (ceil(Lq / (256·8/D)), B·H), block (256), entry attention_D for head dims ≤ D (D = 16, 32, 64, 128;
// channels past the head dim are zero). Each block takes 256·8/D query rows of one (batch, head) and streams that
// head's keys and values through shared memory in tiles of 32 (16-byte loads when the rows allow them), a padded
// key's −inf beside it; a query row belongs to D/8 adjacent threads holding 8 channels of q and of the output each,
// and the online softmax folds one key at a time (FlashAttention-2; the tiles and the softmax of mrvs_attention.h,
// shared with window_attention.cu). No local memory, 64 registers (50 % theoretical occupancy).
// type (mrvs_half.h): y in float32, or in half / bfloat16 when only GEMMs read it (the CUDA backend's fp16 / bf16
// mode), rounded once as it is stored.
// Limits: head dims ≤ 128; B·H ≤ 65535. A row whose keys are all padded or −inf is NaN, like torch. Sized for the
// model's short sequences (20 words, a few hundred queries): K and V are read once per block of query rows.
#include "mrvs_attention.h"

#define MRVS_ATT_THREADS 256

template <int D>
__device__ __forceinline__ void attention_fp32(const float* __restrict__ q, const float* __restrict__ k,
                                               const float* __restrict__ v,
                                               const unsigned char* __restrict__ key_padding,
                                               const float* __restrict__ additive, void* __restrict__ y, int type,
                                               int heads, int lq, int lk, int e, int ev, int scale_scores)
{
    constexpr int lanes = D / MRVS_ATTN_WIDTH, rows = MRVS_ATT_THREADS / lanes;
    __align__(16) __shared__ float ks[MRVS_ATTN_KEYS * D];
    __align__(16) __shared__ float vs[MRVS_ATTN_KEYS * D];
    __shared__ float key_bias[MRVS_ATTN_KEYS];
    const int b = blockIdx.y / heads, h = blockIdx.y % heads, dh = e / heads, dv = ev / heads;
    const int i = blockIdx.x * rows + threadIdx.x / lanes, row = i < lq ? i : lq - 1;
    const int first = threadIdx.x % lanes * MRVS_ATTN_WIDTH;
    const float scale = rsqrtf((float)dh), q_scale = scale_scores ? 1.0f : scale, s_scale = scale_scores ? scale : 1.0f;
    float qs[MRVS_ATTN_WIDTH], acc[MRVS_ATTN_WIDTH];
    const float* qr = q + ((long long)b * lq + row) * e + h * dh;
#pragma unroll
    for (int c = 0; c < MRVS_ATTN_WIDTH; c++)
    {
        qs[c] = first + c < dh ? qr[first + c] * q_scale : 0.0f;
        acc[c] = 0.0f;
    }
    const float* mask_row = additive ? additive + (long long)row * lk : nullptr;
    float m = MRVS_NEG_INF, sum = 0.0f;
    for (int j0 = 0; j0 < lk; j0 += MRVS_ATTN_KEYS)
    {
        const int count = lk - j0 < MRVS_ATTN_KEYS ? lk - j0 : MRVS_ATTN_KEYS;
        __syncthreads(); // every thread is done with the previous tile
        mrvs_attention_stage<D, MRVS_ATT_THREADS>(k + ((long long)b * lk + j0) * e + h * dh, e, count, dh, ks);
        mrvs_attention_stage<D, MRVS_ATT_THREADS>(v + ((long long)b * lk + j0) * ev + h * dv, ev, count, dv, vs);
        for (int r = threadIdx.x; r < count; r += MRVS_ATT_THREADS)
            key_bias[r] = key_padding && key_padding[(long long)b * lk + j0 + r] ? MRVS_NEG_INF : 0.0f;
        __syncthreads();
#pragma unroll 1
        for (int key = 0; key < count; key++)
        {
            const float bias = key_bias[key] + (mask_row ? mask_row[j0 + key] : 0.0f);
            mrvs_attention_key<lanes>(qs, acc, m, sum, ks + key * D + first, vs + key * D + first, s_scale, bias);
        }
    }
    if (i < lq) mrvs_attention_store(acc, sum, y, ((long long)b * lq + i) * ev + h * dv, first, dv, type);
}

// One entry point per head-dim bound D (the launch takes the smallest D ≥ both head dims); 4 blocks of 256 per SM.
extern "C" __global__ void __launch_bounds__(256, 4) attention_16(
    const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
    const unsigned char* __restrict__ key_padding, const float* __restrict__ additive, void* __restrict__ y, int type,
    int heads, int lq, int lk, int e, int ev, int scale_scores)
{
    attention_fp32<16>(q, k, v, key_padding, additive, y, type, heads, lq, lk, e, ev, scale_scores);
}
MRVS_EXPORT_KERNEL(attention_16)

extern "C" __global__ void __launch_bounds__(256, 4) attention_32(
    const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
    const unsigned char* __restrict__ key_padding, const float* __restrict__ additive, void* __restrict__ y, int type,
    int heads, int lq, int lk, int e, int ev, int scale_scores)
{
    attention_fp32<32>(q, k, v, key_padding, additive, y, type, heads, lq, lk, e, ev, scale_scores);
}
MRVS_EXPORT_KERNEL(attention_32)

extern "C" __global__ void __launch_bounds__(256, 4) attention_64(
    const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
    const unsigned char* __restrict__ key_padding, const float* __restrict__ additive, void* __restrict__ y, int type,
    int heads, int lq, int lk, int e, int ev, int scale_scores)
{
    attention_fp32<64>(q, k, v, key_padding, additive, y, type, heads, lq, lk, e, ev, scale_scores);
}
MRVS_EXPORT_KERNEL(attention_64)

extern "C" __global__ void __launch_bounds__(256, 4) attention_128(
    const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
    const unsigned char* __restrict__ key_padding, const float* __restrict__ additive, void* __restrict__ y, int type,
    int heads, int lq, int lk, int e, int ev, int scale_scores)
{
    attention_fp32<128>(q, k, v, key_padding, additive, y, type, heads, lq, lk, e, ev, scale_scores);
}
MRVS_EXPORT_KERNEL(attention_128)
