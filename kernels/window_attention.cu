// window_attention: Video Swin window self-attention with the relative position bias and (optionally) the shifted-
// window mask, y = softmax(q·kᵀ·dh^-½ + bias (+ mask))·v per (window, head): FP32 on CUDA cores, or with fp16 / bf16
// GEMMs on tensor cores (mma.sync m16n8k16, float32 accumulation).
// Layout: qkv [W, N, 3C] (q, k, v blocks; head h owns channels [h·dh, (h+1)·dh) of each), table [H, R] (the bias
// table, one row per head, R = (2wd−1)(2wh−1)(2ww−1) for the full window wd×wh×ww), regions [W, N] or null (each
// token's shift region label: −100 between different labels, 0 within one), y [W, N, C], or with the window merge in
// the stores (store.merged) y [D, H, W, C]: each row at its token of the unpadded volume, padding rows not stored
// (mrvs_window_store_row, mrvs_swin_window.h; the proj Linear then runs on natural-order rows, the merge pass gone).
// The bias of query i and key j is table[h, P(i) − P(j) + P(last)], P(t) = (z·(2wh−1) + y)·(2ww−1) + x for token t
// at (z, y, x) of the full window: Swin's relative_position_index, computed instead of read (its first N rows and
// columns, as upstream slices it for a clipped window of N tokens); the graph builder checks the checkpoint's index.
// Both paths stage the head's table row in shared memory once per block and gather the bias per score from it (as
// xFormers' memory-efficient attention adds a bias, but from the table: no [H, N, N] tensor is read), and stream K
// and V through shared memory in tiles of 32 keys, each key's position and region label beside it; online softmax as
// in FlashAttention-2, the division by the row sum once at the end.
// Launch: FP32, window_attention_D (D = 8, 16, 32, 64 ≥ dh; channels past dh are zero), grid (W·H), block (256).
// Passes of 256·8/D query rows; a row belongs to D/8 adjacent threads holding 8 channels of q and of the output each
// (16 would spill at the 64 registers of 4 blocks per SM), a score is their partial dot products summed by shuffles,
// and the running sum and output are rescaled only when the row's max grows (the tiles and the key step of
// mrvs_attention.h, shared with attention.cu). 16-byte loads and shared-memory broadcasts.
// Launch: fp16 / bf16, window_attention_{f16,bf16}_D (D = 16, 32 ≥ dh; wider heads take the FP32 entry), grid (W·H),
// block (128). Each warp owns 16 query rows of a 64-row pass in FlashAttention-2's register layout (below); K and V
// are rounded to 16 bits as they are staged (V transposed), q once per pass. Tensor cores from sm_80 (mrvs_mma.h).
// No local memory and 50 % theoretical occupancy (64 registers) on sm_90 for every entry (sm_80: the 16-bit D = 32
// entries spill a few bytes). Limits: dh ≤ 64; R ≤ 2560 (the 8×7×7 window's 2535; WindowAttentionOp.MaxTableRows);
// query rows padded to the pass (N = 196 at D = 32 runs 4 passes of 64, the last with 4 live rows). FP32 is bounded
// by shared-memory reads (a 16-byte broadcast per 4 multiply-adds) and an expf per score; qkv is read from DRAM once
// per block (K and V again per pass, from L2).
#include "mrvs_attention.h"
#include "mrvs_mma.h"
#include "mrvs_swin_window.h"

#define MRVS_WA_THREADS 256
#define MRVS_WA_MMA_THREADS 128
#define MRVS_WA_TABLE_ROWS 2560

// P(t) of the bias index: token t's coordinates in the full window weighted by the table's strides.
__device__ __forceinline__ int mrvs_window_position(int t, int wh, int ww)
{
    return (t / (wh * ww) * (2 * wh - 1) + t / ww % wh) * (2 * ww - 1) + t % ww;
}

template <int D>
__device__ __forceinline__ void window_attention_fp32(const float* __restrict__ qkv, const float* __restrict__ table,
                                                      const float* __restrict__ regions, float* __restrict__ y, int n,
                                                      int c, int heads, int wd, int wh, int ww,
                                                      const mrvs_window_store& store)
{
    constexpr int lanes = D / MRVS_ATTN_WIDTH, rows = MRVS_WA_THREADS / lanes;
    __align__(16) __shared__ float ks[MRVS_ATTN_KEYS * D];
    __align__(16) __shared__ float vs[MRVS_ATTN_KEYS * D];
    __shared__ int key_position[MRVS_ATTN_KEYS];
    __shared__ float key_region[MRVS_ATTN_KEYS];
    __shared__ float bias[MRVS_WA_TABLE_ROWS];
    const int window = blockIdx.x / heads, h = blockIdx.x % heads, dh = c / heads, row_stride = 3 * c;
    const int table_rows = (2 * wd - 1) * (2 * wh - 1) * (2 * ww - 1);
    for (int r = threadIdx.x; r < table_rows; r += MRVS_WA_THREADS) bias[r] = table[(long long)h * table_rows + r];
    const float scale = rsqrtf((float)dh);
    const float* q_rows = qkv + (long long)window * n * row_stride + h * dh;
    const float* region = regions ? regions + (long long)window * n : nullptr;
    const int first = threadIdx.x % lanes * MRVS_ATTN_WIDTH, centre = mrvs_window_position(wd * wh * ww - 1, wh, ww);
    for (int i0 = 0; i0 < n; i0 += rows)
    {
        // Rows past N compute on the last row (their lanes take part in the shuffles) and write nothing.
        const int i = i0 + threadIdx.x / lanes, row = i < n ? i : n - 1;
        float q[MRVS_ATTN_WIDTH], acc[MRVS_ATTN_WIDTH];
#pragma unroll
        for (int k = 0; k < MRVS_ATTN_WIDTH; k++)
        {
            q[k] = first + k < dh ? q_rows[(long long)row * row_stride + first + k] * scale : 0.0f;
            acc[k] = 0.0f;
        }
        const int offset = mrvs_window_position(row, wh, ww) + centre;
        const float own_region = region ? region[row] : 0.0f;
        float m = MRVS_NEG_INF, sum = 0.0f;
        for (int j0 = 0; j0 < n; j0 += MRVS_ATTN_KEYS)
        {
            const int count = n - j0 < MRVS_ATTN_KEYS ? n - j0 : MRVS_ATTN_KEYS;
            const float* keys = q_rows + (long long)j0 * row_stride + c;
            __syncthreads(); // the previous tile is consumed (and, the first time, the table is staged)
            mrvs_attention_stage<D, MRVS_WA_THREADS>(keys, row_stride, count, dh, ks);
            mrvs_attention_stage<D, MRVS_WA_THREADS>(keys + c, row_stride, count, dh, vs);
            for (int r = threadIdx.x; r < count; r += MRVS_WA_THREADS)
            {
                key_position[r] = mrvs_window_position(j0 + r, wh, ww);
                key_region[r] = region ? region[j0 + r] : 0.0f;
            }
            __syncthreads();
#pragma unroll 1
            for (int key = 0; key < count; key++)
            {
                const float b = bias[offset - key_position[key]] + (key_region[key] == own_region ? 0.0f : -100.0f);
                mrvs_attention_key<lanes>(q, acc, m, sum, ks + key * D + first, vs + key * D + first, 1.0f, b);
            }
        }
        const long long target = i < n ? mrvs_window_store_row(store, (long long)window * n + i) : -1;
        if (target >= 0) mrvs_attention_store(acc, sum, y + target * c + h * dh, first, dh);
    }
}

// The score of one query row of a tile: + bias and shift mask, or -inf past the tile's keys.
__device__ __forceinline__ float mrvs_window_score(float s, int key, int count, const float* bias, int offset,
                                                   const int* key_position, const float* key_region, float own_region)
{
    return key < count ? s + bias[offset - key_position[key]] + (key_region[key] == own_region ? 0.0f : -100.0f)
                       : MRVS_NEG_INF;
}

// The fp16/bf16 path: QKᵀ and P·V on tensor cores (mrvs_mma.h), FlashAttention-2's register layout. A warp owns 16
// query rows (a thread two of them, g and g + 8, as the mma accumulator lays them out); per tile of 32 keys it computes
// S [16, 32] as 4 mma n-tiles over D/16 k-steps of Q, adds bias and mask, updates each row's max and sum (the quad of
// threads sharing a row reduces by shuffles), and feeds P, rounded to 16 bits, straight from the accumulator
// registers as the A fragment of P·V (V staged transposed, pairs of keys per register). Scores, softmax and the
// output accumulate in float32; qkv is rounded to 16 bits as it is staged.
template <int D, bool bf16>
__device__ __forceinline__ void window_attention_mma(const float* __restrict__ qkv, const float* __restrict__ table,
                                                     const float* __restrict__ regions, float* __restrict__ y, int n,
                                                     int c, int heads, int wd, int wh, int ww,
                                                     const mrvs_window_store& store)
{
    constexpr int warps = MRVS_WA_MMA_THREADS / 32, k_stride = D / 2 + 4, v_stride = MRVS_ATTN_KEYS / 2 + 4;
    // Rows padded by 4 words: the 8 rows a fragment load touches fall in distinct banks.
    __shared__ unsigned int ks[MRVS_ATTN_KEYS * k_stride];
    __shared__ unsigned int vt[D * v_stride];
    __shared__ int key_position[MRVS_ATTN_KEYS];
    __shared__ float key_region[MRVS_ATTN_KEYS];
    __shared__ float bias[MRVS_WA_TABLE_ROWS];
    // Each row's bias offset and region label, beside the keys' (in shared memory: registers are what limits).
    __shared__ int row_offset[16 * warps];
    __shared__ float row_region[16 * warps];
    const int window = blockIdx.x / heads, h = blockIdx.x % heads, dh = c / heads, row_stride = 3 * c;
    const int table_rows = (2 * wd - 1) * (2 * wh - 1) * (2 * ww - 1);
    for (int r = threadIdx.x; r < table_rows; r += MRVS_WA_MMA_THREADS) bias[r] = table[(long long)h * table_rows + r];
    const float scale = rsqrtf((float)dh);
    const float* q_rows = qkv + (long long)window * n * row_stride + h * dh;
    const float* region = regions ? regions + (long long)window * n : nullptr;
    const int warp = threadIdx.x / 32, g = threadIdx.x % 32 >> 2, t = threadIdx.x & 3;
    const int centre = mrvs_window_position(wd * wh * ww - 1, wh, ww);
    for (int i0 = 0; i0 < n; i0 += 16 * warps)
    {
        int rows[2];
        float m[2] = {MRVS_NEG_INF, MRVS_NEG_INF}, sum[2] = {0.0f, 0.0f};
#pragma unroll
        for (int r = 0; r < 2; r++)
        {
            const int i = i0 + warp * 16 + g + 8 * r;
            rows[r] = i < n ? i : n - 1; // rows past N compute on the last row and write nothing
            if (t == 0)
            {
                row_offset[warp * 16 + g + 8 * r] = mrvs_window_position(rows[r], wh, ww) + centre;
                row_region[warp * 16 + g + 8 * r] = region ? region[rows[r]] : 0.0f;
            }
        }
        auto q_at = [&](int r, int ch)
        { return ch < dh ? q_rows[(long long)rows[r] * row_stride + ch] * scale : 0.0f; };
        unsigned int qf[D / 16][4];
#pragma unroll
        for (int kk = 0; kk < D / 16; kk++)
        {
            const int ch = kk * 16 + 2 * t;
            qf[kk][0] = mrvs_pack16<bf16>(q_at(0, ch), q_at(0, ch + 1));
            qf[kk][1] = mrvs_pack16<bf16>(q_at(1, ch), q_at(1, ch + 1));
            qf[kk][2] = mrvs_pack16<bf16>(q_at(0, ch + 8), q_at(0, ch + 9));
            qf[kk][3] = mrvs_pack16<bf16>(q_at(1, ch + 8), q_at(1, ch + 9));
        }
        float o[D / 8][4];
#pragma unroll
        for (int nd = 0; nd < D / 8; nd++) o[nd][0] = o[nd][1] = o[nd][2] = o[nd][3] = 0.0f;
        for (int j0 = 0; j0 < n; j0 += MRVS_ATTN_KEYS)
        {
            const int count = n - j0 < MRVS_ATTN_KEYS ? n - j0 : MRVS_ATTN_KEYS;
            const float* keys = q_rows + (long long)j0 * row_stride + c;
            auto at = [&](int key, int ch, int part) {
                return key < count && ch < dh ? keys[(long long)key * row_stride + part * c + ch] : 0.0f;
            };
            __syncthreads(); // the previous tile is consumed (and, the first time, the table is staged)
#pragma unroll 1
            for (int x = threadIdx.x; x < MRVS_ATTN_KEYS * D / 2; x += MRVS_WA_MMA_THREADS)
            {
                const int key = x / (D / 2), ch = x % (D / 2) * 2;
                ks[key * k_stride + ch / 2] = mrvs_pack16<bf16>(at(key, ch, 0), at(key, ch + 1, 0));
                const int pair = x / D, channel = x % D;
                vt[channel * v_stride + pair] =
                    mrvs_pack16<bf16>(at(2 * pair, channel, 1), at(2 * pair + 1, channel, 1));
            }
            for (int r = threadIdx.x; r < count; r += MRVS_WA_MMA_THREADS)
            {
                key_position[r] = mrvs_window_position(j0 + r, wh, ww);
                key_region[r] = region ? region[j0 + r] : 0.0f;
            }
            __syncthreads();
            // 16 keys at a time: S [16, 16] is two mma n-tiles, and their accumulators are exactly the A fragment
            // of P·V over those 16 keys.
            for (int k0 = 0; k0 < count; k0 += 16)
            {
                float s[2][4];
#pragma unroll
                for (int nt = 0; nt < 2; nt++)
                {
                    s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.0f;
                    const unsigned int* k_row = ks + (k0 + nt * 8 + g) * k_stride + t;
#pragma unroll
                    for (int kk = 0; kk < D / 16; kk++)
                    {
                        const unsigned int b[2] = {k_row[kk * 8], k_row[kk * 8 + 4]};
                        mrvs_mma_16816<bf16>(s[nt], qf[kk], b);
                    }
                }
                float sub_max[2] = {MRVS_NEG_INF, MRVS_NEG_INF};
#pragma unroll
                for (int nt = 0; nt < 2; nt++)
#pragma unroll
                    for (int e = 0; e < 4; e++)
                    {
                        const int r = e >> 1;
                        const int local = warp * 16 + g + 8 * r;
                        s[nt][e] = mrvs_window_score(s[nt][e], k0 + nt * 8 + 2 * t + (e & 1), count, bias,
                                                     row_offset[local], key_position, key_region, row_region[local]);
                        sub_max[r] = fmaxf(sub_max[r], s[nt][e]);
                    }
                float correction[2];
#pragma unroll
                for (int r = 0; r < 2; r++)
                {
                    // A row's 16 scores are spread over the four threads of a quad; its first key is real, so the
                    // max is finite.
                    sub_max[r] = fmaxf(sub_max[r], __shfl_xor_sync(0xffffffffu, sub_max[r], 1));
                    sub_max[r] = fmaxf(sub_max[r], __shfl_xor_sync(0xffffffffu, sub_max[r], 2));
                    const float m2 = fmaxf(m[r], sub_max[r]);
                    correction[r] = expf(m[r] - m2);
                    sum[r] *= correction[r];
                    m[r] = m2;
                }
#pragma unroll
                for (int nd = 0; nd < D / 8; nd++)
#pragma unroll
                    for (int e = 0; e < 4; e++) o[nd][e] *= correction[e >> 1];
#pragma unroll
                for (int nt = 0; nt < 2; nt++)
#pragma unroll
                    for (int e = 0; e < 4; e++)
                    {
                        s[nt][e] = expf(s[nt][e] - m[e >> 1]);
                        sum[e >> 1] += s[nt][e];
                    }
                const unsigned int a[4] = {mrvs_pack16<bf16>(s[0][0], s[0][1]), mrvs_pack16<bf16>(s[0][2], s[0][3]),
                                           mrvs_pack16<bf16>(s[1][0], s[1][1]), mrvs_pack16<bf16>(s[1][2], s[1][3])};
#pragma unroll
                for (int nd = 0; nd < D / 8; nd++)
                {
                    const unsigned int* v_row = vt + (nd * 8 + g) * v_stride + k0 / 2 + t;
                    const unsigned int b[2] = {v_row[0], v_row[4]};
                    mrvs_mma_16816<bf16>(o[nd], a, b);
                }
            }
        }
#pragma unroll
        for (int r = 0; r < 2; r++)
        {
            sum[r] += __shfl_xor_sync(0xffffffffu, sum[r], 1);
            sum[r] += __shfl_xor_sync(0xffffffffu, sum[r], 2);
            const int i = i0 + warp * 16 + g + 8 * r;
            const long long target = i < n ? mrvs_window_store_row(store, (long long)window * n + i) : -1;
            if (target < 0) continue;
            const float inv = 1.0f / sum[r];
            float* out = y + target * c + h * dh;
#pragma unroll
            for (int nd = 0; nd < D / 8; nd++)
#pragma unroll
                for (int e = 0; e < 2; e++)
                {
                    const int ch = nd * 8 + 2 * t + e;
                    if (ch < dh) out[ch] = o[nd][2 * r + e] * inv;
                }
        }
    }
}

// One entry point per head-dim bound D (the launch takes the smallest D ≥ dh); 8 blocks of 128 threads per SM.
extern "C" __global__ void __launch_bounds__(256, 4) window_attention_8(
    const float* __restrict__ qkv, const float* __restrict__ table, const float* __restrict__ regions,
    float* __restrict__ y, int n, int c, int heads, int wd, int wh, int ww, mrvs_window_store store)
{
    window_attention_fp32<8>(qkv, table, regions, y, n, c, heads, wd, wh, ww, store);
}
MRVS_EXPORT_KERNEL(window_attention_8)

extern "C" __global__ void __launch_bounds__(256, 4) window_attention_16(
    const float* __restrict__ qkv, const float* __restrict__ table, const float* __restrict__ regions,
    float* __restrict__ y, int n, int c, int heads, int wd, int wh, int ww, mrvs_window_store store)
{
    window_attention_fp32<16>(qkv, table, regions, y, n, c, heads, wd, wh, ww, store);
}
MRVS_EXPORT_KERNEL(window_attention_16)

extern "C" __global__ void __launch_bounds__(256, 4) window_attention_32(
    const float* __restrict__ qkv, const float* __restrict__ table, const float* __restrict__ regions,
    float* __restrict__ y, int n, int c, int heads, int wd, int wh, int ww, mrvs_window_store store)
{
    window_attention_fp32<32>(qkv, table, regions, y, n, c, heads, wd, wh, ww, store);
}
MRVS_EXPORT_KERNEL(window_attention_32)

extern "C" __global__ void __launch_bounds__(256, 4) window_attention_64(
    const float* __restrict__ qkv, const float* __restrict__ table, const float* __restrict__ regions,
    float* __restrict__ y, int n, int c, int heads, int wd, int wh, int ww, mrvs_window_store store)
{
    window_attention_fp32<64>(qkv, table, regions, y, n, c, heads, wd, wh, ww, store);
}
MRVS_EXPORT_KERNEL(window_attention_64)

extern "C" __global__ void __launch_bounds__(128, 8) window_attention_f16_16(
    const float* __restrict__ qkv, const float* __restrict__ table, const float* __restrict__ regions,
    float* __restrict__ y, int n, int c, int heads, int wd, int wh, int ww, mrvs_window_store store)
{
    window_attention_mma<16, false>(qkv, table, regions, y, n, c, heads, wd, wh, ww, store);
}
MRVS_EXPORT_KERNEL(window_attention_f16_16)

extern "C" __global__ void __launch_bounds__(128, 8) window_attention_bf16_16(
    const float* __restrict__ qkv, const float* __restrict__ table, const float* __restrict__ regions,
    float* __restrict__ y, int n, int c, int heads, int wd, int wh, int ww, mrvs_window_store store)
{
    window_attention_mma<16, true>(qkv, table, regions, y, n, c, heads, wd, wh, ww, store);
}
MRVS_EXPORT_KERNEL(window_attention_bf16_16)

extern "C" __global__ void __launch_bounds__(128, 8) window_attention_f16_32(
    const float* __restrict__ qkv, const float* __restrict__ table, const float* __restrict__ regions,
    float* __restrict__ y, int n, int c, int heads, int wd, int wh, int ww, mrvs_window_store store)
{
    window_attention_mma<32, false>(qkv, table, regions, y, n, c, heads, wd, wh, ww, store);
}
MRVS_EXPORT_KERNEL(window_attention_f16_32)

extern "C" __global__ void __launch_bounds__(128, 8) window_attention_bf16_32(
    const float* __restrict__ qkv, const float* __restrict__ table, const float* __restrict__ regions,
    float* __restrict__ y, int n, int c, int heads, int wd, int wh, int ww, mrvs_window_store store)
{
    window_attention_mma<32, true>(qkv, table, regions, y, n, c, heads, wd, wh, ww, store);
}
MRVS_EXPORT_KERNEL(window_attention_bf16_32)
