// cross_modal_fusion: SOC / SOC++'s multimodal fusion (vlf, lvf, v2p) after the q/k/v projections,
// y = target ⊙ (MHA(q, k, v)·Wᵀ + b), as three or four launches on the stream:
//   1. cross_modal_fusion (head dim ≤ 32) or cross_modal_fusion_wide (≤ 128): the attention, o [B, Lq, E];
//      with few query rows over many keys (v2p: 20 proxies over 28,800 visual tokens) the keys are split over
//      gridDim.z blocks, each writing its unnormalised partial row and its (max, sum), and
//   1b. cross_modal_fusion_combine merges the splits into o (flash-decoding);
//   2. o·Wᵀ → y, the output projection, a GEMM (cuBLAS);
//   3. cross_modal_fusion_gate: y = target ⊙ (y + b), in place.
// Why split there: per token the output projection costs E² multiply-adds (65 K at E = 256) and the attention
// 2·Lk·E (20 K for 40 words), so the GEMM dominates and cuBLAS runs it near peak; pulling it into the attention
// kernel would mean a hand-written GEMM tile loop to save one write and read of o. What is fused is what was
// memory traffic: bias and gate in one epilogue pass (unfused: the Linear epilogue, then a broadcast multiply, two
// passes over [B·Lq, E]); and the attention stages a tile of its head's keys and values in shared memory, where
// every query row of the block reads them as broadcasts (vlf: all Lk ≤ ~40 words fit one tile).
// Layout: q, target, o, y [B, Lq, E]; k, v [B, Lk, E]; key_padding [B, Lk] bytes (1 = padded) or null; W [E, E];
// b [E]; with splits, partial [S, B, Lq, E] and ml [S, B, Lq, H, 2] (max, sum). Head h owns channels
// [h*E/H, (h+1)*E/H); q is scaled by 1/sqrt(E/H) before QK^T (nn.MultiheadAttention).
// Launch: attention grid (ceil(Lq / (128 / L)), B*H, S), block (128): L = D / 8 lanes per query row (D = 32 or 128,
// the entry's head-dim bound), each holding 8 channels of q and of the accumulator in registers (interleaved: lane
// l has channels l, l + L, …, so a group's shared-memory reads hit distinct banks), the dot product summed by
// shuffles within the group, online softmax over tiles of 2048 / D keys; split z walks keys [z·chunk, (z+1)·chunk).
// Combine and gate: grid (ceil(B*Lq*E / 256)), block (256), one element per thread.
// Limits: head dim ≤ 32 (cross_modal_fusion) or ≤ 128 (_wide); B*H ≤ 65535. A row whose keys are all padded is
// NaN, like torch. Borrows: FlashAttention-2's online softmax, flash-decoding's split keys with a log-sum-exp merge.
#include "mrvs_cuda.h"

#define MRVS_CMF_TILE_FLOATS 2048
#define MRVS_CMF_CHANNELS 8

// The head dim bound D is a template parameter so that the per-thread channels qs and acc are fully unrolled into
// registers; channels at or past the real head dim dh are predicated off.
template <int D>
__device__ __forceinline__ void cross_modal_attention(
    const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
    const unsigned char* __restrict__ key_padding, float* __restrict__ o, float* __restrict__ ml, int lq, int lk, int e,
    int heads, int chunk)
{
    constexpr int tile = MRVS_CMF_TILE_FLOATS / D, lanes = D / MRVS_CMF_CHANNELS, rows = 128 / lanes;
    __shared__ float ks[MRVS_CMF_TILE_FLOATS], vs[MRVS_CMF_TILE_FLOATS];
    __shared__ unsigned char keep[tile];
    const int b = blockIdx.y / heads, h = blockIdx.y % heads, dh = e / heads, lane = threadIdx.x % lanes;
    const int i = blockIdx.x * rows + threadIdx.x / lanes;
    const bool active = i < lq;
    const float scale = rsqrtf((float)dh);
    const float* qr = q + ((long long)b * lq + (active ? i : 0)) * e + h * dh;
    float qs[MRVS_CMF_CHANNELS], acc[MRVS_CMF_CHANNELS];
#pragma unroll
    for (int t = 0; t < MRVS_CMF_CHANNELS; t++)
    {
        const int c = lane + t * lanes;
        qs[t] = active && c < dh ? qr[c] * scale : 0.0f;
        acc[t] = 0.0f;
    }
    float m = MRVS_NEG_INF, sum = 0.0f;
    const int first = blockIdx.z * chunk, last = lk < first + chunk ? lk : first + chunk;
    for (int j0 = first; j0 < last; j0 += tile)
    {
        const int n = last - j0 < tile ? last - j0 : tile;
        __syncthreads(); // every thread is done with the previous tile
        for (int x = threadIdx.x; x < n * dh; x += blockDim.x)
        {
            const long long src = ((long long)b * lk + j0 + x / dh) * e + h * dh + x % dh;
            ks[x] = k[src];
            vs[x] = v[src];
        }
        for (int r = threadIdx.x; r < n; r += blockDim.x) keep[r] = !key_padding
            || !key_padding[(long long)b * lk + j0 + r];
        __syncthreads();
        for (int r = 0; r < n; r++) // inactive rows keep walking: their lanes take part in the group's shuffles
        {
            if (!keep[r]) continue;
            const float* kr = ks + r * dh;
            float s = 0.0f;
#pragma unroll
            for (int t = 0; t < MRVS_CMF_CHANNELS; t++)
                if (lane + t * lanes < dh) s += qs[t] * kr[lane + t * lanes];
            for (int offset = lanes / 2; offset > 0; offset >>= 1) s += __shfl_xor_sync(0xffffffffu, s, offset);
            float p;
            const float correction = mrvs_online_softmax(s, m, sum, p);
            const float* vr = vs + r * dh;
#pragma unroll
            for (int t = 0; t < MRVS_CMF_CHANNELS; t++)
                if (lane + t * lanes < dh) acc[t] = acc[t] * correction + p * vr[lane + t * lanes];
        }
    }
    if (!active) return;
    const long long row = ((long long)blockIdx.z * (gridDim.y / heads) + b) * lq + i;
    float* yr = o + row * e + h * dh;
    const float divisor = ml ? 1.0f : sum; // a split leaves its partial row unnormalised for the combine
#pragma unroll
    for (int t = 0; t < MRVS_CMF_CHANNELS; t++)
        if (lane + t * lanes < dh) yr[lane + t * lanes] = acc[t] / divisor;
    if (ml && lane == 0)
    {
        ml[(row * heads + h) * 2] = m;
        ml[(row * heads + h) * 2 + 1] = sum;
    }
}

extern "C" __global__ void __launch_bounds__(128) cross_modal_fusion(
    const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
    const unsigned char* __restrict__ key_padding, float* __restrict__ o, float* __restrict__ ml, int lq, int lk, int e,
    int heads, int chunk)
{
    cross_modal_attention<32>(q, k, v, key_padding, o, ml, lq, lk, e, heads, chunk);
}
MRVS_EXPORT_KERNEL(cross_modal_fusion)

extern "C" __global__ void __launch_bounds__(128) cross_modal_fusion_wide(
    const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
    const unsigned char* __restrict__ key_padding, float* __restrict__ o, float* __restrict__ ml, int lq, int lk, int e,
    int heads, int chunk)
{
    cross_modal_attention<128>(q, k, v, key_padding, o, ml, lq, lk, e, heads, chunk);
}
MRVS_EXPORT_KERNEL(cross_modal_fusion_wide)

// o[b, i, c] from the splits' partial rows: each scaled by exp(its max − the overall max), summed, divided by the
// likewise scaled sum of the splits' softmax sums.
extern "C" __global__ void __launch_bounds__(256) cross_modal_fusion_combine(const float* __restrict__ partial,
    const float* __restrict__ ml,
                                                                             float* __restrict__ o, long long count,
                                                                                 int e, int heads, int splits)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count) return;
    const long long row = i / e;
    const int h = (int)(i % e) / (e / heads);
    const float* stats = ml + (row * heads + h) * 2;
    const long long split_stride = count / e * heads * 2;
    float mx = MRVS_NEG_INF;
    for (int s = 0; s < splits; s++) mx = fmaxf(mx, stats[s * split_stride]);
    float sum = 0.0f, acc = 0.0f;
    for (int s = 0; s < splits; s++)
    {
        const float w = expf(stats[s * split_stride] - mx);
        sum += stats[s * split_stride + 1] * w;
        acc += partial[s * count + i] * w;
    }
    o[i] = acc / sum;
}
MRVS_EXPORT_INDEPENDENT_KERNEL(cross_modal_fusion_combine)

extern "C" __global__ void __launch_bounds__(256) cross_modal_fusion_gate(float* __restrict__ y,
    const float* __restrict__ bias, const float* __restrict__ target, long long count, int e)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) y[i] = target[i] * (y[i] + bias[i % e]);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(cross_modal_fusion_gate)
