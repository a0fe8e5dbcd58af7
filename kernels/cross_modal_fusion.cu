// cross_modal_fusion: SOC / SOC++'s multimodal fusion (vlf, lvf, v2p) after the q/k/v projections,
// y = target ⊙ (MHA(q, k, v)·Wᵀ + b). Two routes, chosen by the host from the shape:
// Few keys (vlf: the visual tokens over ≤ 32 words; Lk·H ≤ E ≤ 256, H ≤ 8, head dim ≤ 32): the
// out-projection is folded into the values, MHA(q, k, v)·Wᵀ = Σ_h P_h·(v_h·W_hᵀ) with W_h = W[:, h-th slice] (the
// same sum, associated the other way: every float is the sum of the same products, rounded in another order), so
// the attended rows o are never stored and y is written once:
//   1. cross_modal_fusion_project_values: vp[b, h, j, :] = v[b, j, h-th slice]·W_hᵀ, [B, H, Lk, E] (Lk·H·E
//      multiply-adds per key row, no more than the GEMM's E² while Lk·H ≤ E);
//   2. cross_modal_fusion_few_keys: per block of query rows, in passes of 16 rows: two threads per (row, head)
//      compute its Lk scores and softmax into shared memory, then thread c sums Σ_{h,j} p·vp[h, j, c] for the rows and
//      stores target ⊙ (sum + b[c]). A block reads vp (Lk·H·E floats) once for all its rows, so the host gives it
//      192 rows: that re-read (0.9 KiB per row at 20 words, E = 256) is what stays above the compulsory 3 KiB of a
//      row (q, target, y).
// Otherwise (v2p, lvf: few query rows over many keys, or wide heads), three or four launches:
//   1. cross_modal_fusion (head dim ≤ 32) or cross_modal_fusion_wide (≤ 128): the attention, o [B, Lq, E];
//      with few query rows over many keys (v2p: 20 proxies over 28,800 visual tokens) the keys are split over
//      gridDim.z blocks, each writing its unnormalised partial row and its (max, sum), and
//   1b. cross_modal_fusion_combine merges the splits into o (flash-decoding);
//   2. o·Wᵀ → y, the output projection, a GEMM (cuBLAS);
//   3. cross_modal_fusion_gate: y = target ⊙ (y + b), in place;
//   or, for few query rows in float32 (v2p, lvf), 2 and 3 as one launch of linear.cu's linear_few_rows with o as x
//   and target as its gate.
// Why split there: per token the output projection costs E² multiply-adds (65 K at E = 256) and the attention
// 2·Lk·E (20 K for 40 words), so the GEMM dominates and cuBLAS runs it near peak; pulling it into the attention
// kernel would mean a hand-written GEMM tile loop to save one write and read of o. What is fused is what was
// memory traffic: bias and gate in one epilogue pass (unfused: the Linear epilogue, then a broadcast multiply, two
// passes over [B·Lq, E]); and the attention stages a tile of its head's keys and values in shared memory, where
// every query row of the block reads them as broadcasts (vlf: all Lk ≤ ~40 words fit one tile).
// Layout: q, target, o, y [B, Lq, E]; k, v [B, Lk, E]; key_padding [B, Lk] bytes (1 = padded) or null; W [E, E];
// b [E]; with splits, partial [S, B, Lq, E] and ml [S, B, Lq, H, 2] (max, sum); vp [B, H, Lk, E]. Head h owns
// channels [h*E/H, (h+1)*E/H); q is scaled by 1/sqrt(E/H) before QK^T (nn.MultiheadAttention).
// Launch: attention grid (ceil(Lq / (128 / L)), B*H, S), block (128): L = D / 8 lanes per query row (D = 32 or 128,
// the entry's head-dim bound), each holding 8 channels of q and of the accumulator in registers (interleaved: lane
// l has channels l, l + L, …, so a group's shared-memory reads hit distinct banks), the dot product summed by
// shuffles within the group, online softmax over tiles of 2048 / D keys; split z walks keys [z·chunk, (z+1)·chunk).
// Combine and gate: grid (ceil(B*Lq*E / 256)), block (256), one element per thread. Few keys: project_values grid
// (H, B), block (256), thread c one output channel; few_keys grid (ceil(Lq / rows_per_block), B), block (256).
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

#define MRVS_CMF_FEW_THREADS 256 // as the few-keys entry points' __launch_bounds__
#define MRVS_CMF_FEW_ROWS 16     // query rows per pass of cross_modal_fusion_few_keys
#define MRVS_CMF_FEW_DH 32       // head-dim bound of the few-keys route (two threads of 16 channels per score)
#define MRVS_CMF_FEW_HEADS 8     // one warp per head in the scores: 8 warps of 16 rows × 2 halves

// vp[b, h, j, c] = Σ_{d < dh} v[b, j, h·dh + d] · W[c, h·dh + d]: thread c keeps its W row's slice of head h in
// registers; the key rows are read as broadcasts.
extern "C" __global__ void __launch_bounds__(256) cross_modal_fusion_project_values(
    const float* __restrict__ v, const float* __restrict__ w, float* __restrict__ vp, int lk, int e, int heads)
{
    const int h = blockIdx.x, b = blockIdx.y, dh = e / heads;
    for (int c = threadIdx.x; c < e; c += blockDim.x)
    {
        float wr[MRVS_CMF_FEW_DH];
#pragma unroll
        for (int d = 0; d < MRVS_CMF_FEW_DH; d++) wr[d] = d < dh ? w[(long long)c * e + h * dh + d] : 0.0f;
        for (int j = 0; j < lk; j++)
        {
            const float* vr = v + ((long long)b * lk + j) * e + h * dh;
            float s = 0.0f;
#pragma unroll
            for (int d = 0; d < MRVS_CMF_FEW_DH; d++)
                if (d < dh) s += wr[d] * vr[d];
            vp[(((long long)b * heads + h) * lk + j) * e + c] = s;
        }
    }
}
MRVS_EXPORT_INDEPENDENT_KERNEL(cross_modal_fusion_project_values)

// y rows [blockIdx.x · rows_per_block, …) of batch blockIdx.y, in passes of 16 rows. Scores: warp h is head h,
// lane (half, r) the half `half` of row r's channels of the head, the two halves' dot products summed by one shuffle;
// the keys' padding is the same for the whole warp. p holds a pass's probabilities as [H·Lk][16 rows], so the sum
// reads a key's 16 rows as four float4 broadcasts and the score lanes store to distinct banks.
extern "C" __global__ void __launch_bounds__(256, 4) cross_modal_fusion_few_keys(
    const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ vp,
    const unsigned char* __restrict__ key_padding, const float* __restrict__ bias, const float* __restrict__ target,
    float* __restrict__ y, int lq, int lk, int e, int heads, int rows_per_block)
{
    constexpr int ROWS = MRVS_CMF_FEW_ROWS, HALF = MRVS_CMF_FEW_DH / 2;
    __align__(16) __shared__ float p[MRVS_CMF_FEW_THREADS * ROWS]; // H·Lk ≤ E ≤ 256 keys
    const int b = blockIdx.y, dh = e / heads, keys = heads * lk;
    const int r = threadIdx.x % ROWS, half = threadIdx.x / ROWS % 2, h = threadIdx.x / (2 * ROWS);
    const float scale = rsqrtf((float)dh);
    const float* kb = k + (long long)b * lk * e + h * dh + half * HALF;
    const float* vb = vp + (long long)b * keys * e;
    const unsigned char* padding = key_padding ? key_padding + (long long)b * lk : nullptr;
    float* pr = p + h * lk * ROWS + r;
    const int first = blockIdx.x * rows_per_block, last = lq < first + rows_per_block ? lq : first + rows_per_block;
    for (int i0 = first; i0 < last; i0 += ROWS)
    {
        const int n = last - i0 < ROWS ? last - i0 : ROWS;
        if (h < heads) // warp-uniform; rows past n score a copy of row n − 1, never stored
        {
            const float* qr = q + ((long long)b * lq + i0 + (r < n ? r : n - 1)) * e + h * dh + half * HALF;
            float qs[HALF];
#pragma unroll
            for (int d = 0; d < HALF; d++) qs[d] = half * HALF + d < dh ? qr[d] * scale : 0.0f;
            float m = MRVS_NEG_INF;
#pragma unroll 1
            for (int j = 0; j < lk; j++)
            {
                float s = MRVS_NEG_INF;
                if (!padding || !padding[j])
                {
                    s = 0.0f;
#pragma unroll
                    for (int d = 0; d < HALF; d++)
                        if (half * HALF + d < dh) s += qs[d] * kb[(long long)j * e + d];
                    s += __shfl_xor_sync(0xffffffffu, s, ROWS);
                    m = fmaxf(m, s);
                }
                if (half == 0) pr[j * ROWS] = s;
            }
            if (half == 0)
            {
                // All keys padded: m = −inf and exp(NaN) makes the row NaN, like torch.
                float sum = 0.0f;
                for (int j = 0; j < lk; j++)
                {
                    const float x = expf(pr[j * ROWS] - m);
                    pr[j * ROWS] = x;
                    sum += x;
                }
                for (int j = 0; j < lk; j++) pr[j * ROWS] /= sum;
            }
        }
        __syncthreads();
        for (int c = threadIdx.x; c < e; c += blockDim.x)
        {
            float acc[ROWS];
#pragma unroll
            for (int i = 0; i < ROWS; i++) acc[i] = 0.0f;
#pragma unroll 1 // unrolled, the compiler hoists several keys' float4 loads past the 64 registers of 50 % occupancy
            for (int x = 0; x < keys; x++)
            {
                const float value = vb[(long long)x * e + c];
                const float4* px = reinterpret_cast<const float4*>(p + x * ROWS);
#pragma unroll
                for (int i = 0; i < ROWS / 4; i++)
                {
                    const float4 pi = px[i];
                    acc[4 * i] += pi.x * value;
                    acc[4 * i + 1] += pi.y * value;
                    acc[4 * i + 2] += pi.z * value;
                    acc[4 * i + 3] += pi.w * value;
                }
            }
            const float bc = bias[c];
#pragma unroll
            for (int i = 0; i < ROWS; i++)
                if (i < n)
                {
                    const long long at = ((long long)b * lq + i0 + i) * e + c;
                    y[at] = target[at] * (acc[i] + bc);
                }
        }
        __syncthreads(); // the next pass overwrites p
    }
}
MRVS_EXPORT_KERNEL(cross_modal_fusion_few_keys)
