// cross_modal_fusion: SOC / SOC++'s multimodal fusion (vlf, lvf, v2p) after the q/k/v projections,
// y = target ⊙ (MHA(q, k, v)·Wᵀ + b), as three launches on the stream:
//   1. cross_modal_fusion (head dim ≤ 32) or cross_modal_fusion_wide (≤ 128): the attention, o [B, Lq, E];
//   2. o·Wᵀ → y, the output projection, a GEMM (cuBLAS);
//   3. cross_modal_fusion_gate: y = target ⊙ (y + b), in place.
// Why split there: per token the output projection costs E² multiply-adds (65 K at E = 256) and the attention
// 2·Lk·E (20 K for 40 words), so the GEMM dominates and cuBLAS runs it near peak; pulling it into the attention
// kernel would mean a hand-written GEMM tile loop to save one write and read of o. What is fused is what was
// memory traffic: bias and gate in one epilogue pass (unfused: the Linear epilogue, then a broadcast multiply, two
// passes over [B·Lq, E]); and the attention stages a tile of its head's keys and values in shared memory, where
// every query row of the block reads them as broadcasts (vlf: all Lk ≤ ~40 words fit one tile).
// Layout: q, target, o, y [B, Lq, E]; k, v [B, Lk, E]; key_padding [B, Lk] bytes (1 = padded) or null; W [E, E];
// b [E]. Head h owns channels [h*E/H, (h+1)*E/H); q is scaled by 1/sqrt(E/H) before QK^T (nn.MultiheadAttention).
// Launch: attention grid (ceil(Lq / 128), B*H), block (128): one query row of one head per thread, online softmax
// in registers over tiles of 2048 / D keys (D = 32 or 128, the entry's head-dim bound); gate grid
// (ceil(B*Lq*E / 256)), block (256), one element per thread.
// Limits: head dim ≤ 32 (cross_modal_fusion) or ≤ 128 (_wide); B*H ≤ 65535. A row whose keys are all padded is
// NaN, like torch. Few rows over many keys (SOC's lvf: the words over every visual token) get only B*H blocks,
// each walking all keys; splitting the keys across blocks would be the next step there.
#include "mrvs_cuda.h"

#define MRVS_CMF_TILE_FLOATS 2048

// The head dim bound D is a template parameter so that the per-thread rows qs and acc are fully unrolled into
// registers; channels at or past the real head dim dh are predicated off.
template <int D>
__device__ __forceinline__ void cross_modal_attention(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                                                      const unsigned char* __restrict__ key_padding, float* __restrict__ o,
                                                      int lq, int lk, int e, int heads)
{
    constexpr int tile = MRVS_CMF_TILE_FLOATS / D;
    __shared__ float ks[MRVS_CMF_TILE_FLOATS], vs[MRVS_CMF_TILE_FLOATS];
    __shared__ unsigned char keep[tile];
    const int b = blockIdx.y / heads, h = blockIdx.y % heads, dh = e / heads;
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    const bool active = i < lq;
    const float scale = rsqrtf((float)dh);
    const float* qr = q + ((long long)b * lq + (active ? i : 0)) * e + h * dh;
    float qs[D], acc[D];
#pragma unroll
    for (int c = 0; c < D; c++)
    {
        qs[c] = active && c < dh ? qr[c] * scale : 0.0f;
        acc[c] = 0.0f;
    }
    float m = MRVS_NEG_INF, sum = 0.0f;
    for (int j0 = 0; j0 < lk; j0 += tile)
    {
        const int n = lk - j0 < tile ? lk - j0 : tile;
        __syncthreads(); // every thread is done with the previous tile
        for (int x = threadIdx.x; x < n * dh; x += blockDim.x)
        {
            const long long src = ((long long)b * lk + j0 + x / dh) * e + h * dh + x % dh;
            ks[x] = k[src];
            vs[x] = v[src];
        }
        for (int r = threadIdx.x; r < n; r += blockDim.x) keep[r] = !key_padding || !key_padding[(long long)b * lk + j0 + r];
        __syncthreads();
        if (!active) continue;
        for (int r = 0; r < n; r++)
        {
            if (!keep[r]) continue;
            const float* kr = ks + r * dh;
            float s = 0.0f;
#pragma unroll
            for (int c = 0; c < D; c++)
                if (c < dh) s += qs[c] * kr[c];
            float p;
            const float correction = mrvs_online_softmax(s, m, sum, p);
            const float* vr = vs + r * dh;
#pragma unroll
            for (int c = 0; c < D; c++)
                if (c < dh) acc[c] = acc[c] * correction + p * vr[c];
        }
    }
    if (!active) return;
    float* yr = o + ((long long)b * lq + i) * e + h * dh;
#pragma unroll
    for (int c = 0; c < D; c++)
        if (c < dh) yr[c] = acc[c] / sum;
}

extern "C" __global__ void __launch_bounds__(128) cross_modal_fusion(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                                                                     const unsigned char* __restrict__ key_padding, float* __restrict__ o,
                                                                     int lq, int lk, int e, int heads)
{
    cross_modal_attention<32>(q, k, v, key_padding, o, lq, lk, e, heads);
}
MRVS_EXPORT_KERNEL(cross_modal_fusion)

extern "C" __global__ void __launch_bounds__(128) cross_modal_fusion_wide(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                                                                          const unsigned char* __restrict__ key_padding, float* __restrict__ o,
                                                                          int lq, int lk, int e, int heads)
{
    cross_modal_attention<128>(q, k, v, key_padding, o, lq, lk, e, heads);
}
MRVS_EXPORT_KERNEL(cross_modal_fusion_wide)

extern "C" __global__ void __launch_bounds__(256) cross_modal_fusion_gate(float* __restrict__ y, const float* __restrict__ bias, const float* __restrict__ target, long long count, int e)
{
    const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count) y[i] = target[i] * (y[i] + bias[i % e]);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(cross_modal_fusion_gate)
