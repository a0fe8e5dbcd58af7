// ms_deform_attn: multi-scale deformable attention core: for each (image, query, head), L levels × P points of
// grid_sample bilinear sampling (x*W - 0.5, zeros outside) of value, weighted and summed (level-outer, point-inner).
// Two forms of the same kernel (MsDeformAttnOp):
//   given: loc [N, Lq, M, L, P, 2] normalised (x, y) and weights [N, Lq, M, L, P] (upstream's ms_deform_attn_core);
//   fused: the query's projection [N, Lq, 3*M*L*P], each row the M*L*P*2 offsets then the M*L*P logits (the
//          sampling_offsets and attention_weights linears as one GEMM), and ref [N, Lq, L, 2|4]: the weights are
//          the softmax of a head's L*P logits (max and sum in a first pass over them, each weight recomputed as
//          exp(logit - max) / sum where it is used), a location is ref + off / (W_l, H_l) (2-d) or
//          ref.xy + off / P * ref.wh * 0.5 (4-d boxes), so neither the softmax nor the locations are launched or
//          written.
// Layout: value [N, S, M, D] (levels concatenated, row-major inside a level), shapes [L, 2] (h, w) and starts [L]
// int32 in device memory; order [Lq] int32 or null; y [N, Lq, M*D] in store type `type` (mrvs_half.h: float32, or the
// GEMMs' 16-bit type where only the output projection's GEMM reads it).
// Launch: grid (ceil(N*Lq*M / (per_block*run))), block (128) with G = ceil(D / 4) threads per (image, head, query),
// per_block = 128 / G items per pass (the last 128 % G threads idle) and `run` passes over consecutive items per block
// (16 from the host: 256 queries of one head at D = 32). Items run image, head, query (query fastest): a head reads
// only its own D channels of a value pixel, so a block gains nothing from holding several heads of a query, and all
// its items' gathers can share sectors when they are one head's neighbouring queries (DCNv4 also gives a block
// several queries). When the queries are the value's own pixels (the encoder), `order` (int32 [lq], the host's) takes
// them in tiles of 16 × 16 of their level, so that a run is a patch whose samples at every level overlap, not a strip
// whose samples the strips above and below also read; the run was chosen by the emulator's per-block sector counts
// against the blocks left to fill the GPU (RESULTS.md).
// Each thread owns 4 consecutive channels, read as one 128-bit load per corner when D % 4 == 0 (scalar loads
// otherwise), so the index and bilinear-weight math runs once per 4 channels, not once per channel; the G threads of
// an item are adjacent lanes, so a corner's D channels are one contiguous, coalesced read. Index math in 32 bits
// (N·Lq·M < 2^31, checked by MsDeformAttnOp): 64-bit divisions took 8 registers more (64 on sm_90).
// Borrowed from DCNv4's flash_deform_attn (github:OpenGVLab/DCNv4): several channels per thread with vector loads,
// levels and points as template parameters (ms_deform_attn_fused_l4p4: the 4 levels × 4 points of every released
// SOC and SOC++, the P samples of a level unrolled so their 4·P corner loads are in flight together; the plain
// entries take L and P at run time), the softmax inside the kernel. Unlike DCNv4 nothing is kept per sample in
// registers (no L*P-sized arrays): no local memory at any L, P.
// Limits: D <= 512 (checked at graph build). Bound by the corner gathers: 4 * L * P * D * 4 bytes per item, served
// by L1/L2 when neighbouring queries sample the same pixels.
#include "mrvs_cuda.h"
#include "mrvs_half.h"

#define MRVS_MSDA_THREADS 128
#define MRVS_MSDA_CHANNELS 4

// 4 channels of one corner, zero outside the level; `vec`: D % 4 == 0, so the 4 channels are one aligned float4.
__device__ __forceinline__ float4 mrvs_msda_corner(const float* __restrict__ level, int y, int x, int h, int w,
    int pixel_stride, int valid, bool vec)
{
    float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    if (y < 0 || x < 0 || y >= h || x >= w) return v;
    const float* p = level + ((long long)y * w + x) * pixel_stride;
    if (vec) return *reinterpret_cast<const float4*>(p);
    if (valid > 0) v.x = p[0];
    if (valid > 1) v.y = p[1];
    if (valid > 2) v.z = p[2];
    if (valid > 3) v.w = p[3];
    return v;
}

__device__ __forceinline__ void mrvs_msda_fma(float4& acc, float a, float4 v)
{
    acc.x += a * v.x;
    acc.y += a * v.y;
    acc.z += a * v.z;
    acc.w += a * v.w;
}

// One item (image, head, query), channels [c0, c0 + 4) of it, at `position` in the launch's order: an image's
// queries in `order` (a permutation of its lq queries) when given, else as stored. L, P > 0: compile-time levels and
// points (the softmax and point loops fully unrolled); 0: the run-time `levels` / `points`.
template <int L, int P, bool Fused>
__device__ __forceinline__ void ms_deform_attn_item(const float* __restrict__ value, const int* __restrict__ table,
    const int* __restrict__ order, const float* __restrict__ loc_or_off, const float* __restrict__ w_or_logits,
    const float* __restrict__ ref, void* __restrict__ y, int type, long long position, int c0, int s, int m, int d,
    int lq, int levels, int points, int ref_dims)
{
    if (L > 0) levels = L;
    if (P > 0) points = P;
    // 32-bit index math (see the header). Items run (image, head, query): a block's run is one head's queries.
    const int slot = (int)position / lq, at = (int)position - slot * lq, b = slot / m, head = slot - b * m;
    const int samples = levels * points, valid = d - c0;
    const long long query = (long long)b * lq + (order ? order[at] : at), item = query * m + head;
    const bool vec = d % MRVS_MSDA_CHANNELS == 0;
    // Fused: the query's projection row holds the M heads' offset pairs, then their logits.
    const float* off = Fused ? loc_or_off + query * 3 * m * samples + 2LL * head * samples
                             : loc_or_off + item * samples * 2;
    const float* aw = Fused ? loc_or_off + query * 3 * m * samples + 2LL * m * samples + (long long)head * samples
                            : w_or_logits + item * samples;
    float max_logit = 0.0f, sum = 1.0f;
    if (Fused)
    {
        max_logit = MRVS_NEG_INF;
#pragma unroll
        for (int k = 0; k < samples; k++) max_logit = fmaxf(max_logit, aw[k]);
        sum = 0.0f;
#pragma unroll
        for (int k = 0; k < samples; k++) sum += expf(aw[k] - max_logit);
    }
    const int* shapes = table;
    const int* starts = table + 2 * levels;
    const int pixel_stride = m * d;
    float4 acc = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll 1 // unrolling the levels too (16 samples in flight) takes 72 registers: 44 % occupancy on sm_90
    for (int l = 0; l < levels; l++)
    {
        const int h = shapes[2 * l], w = shapes[2 * l + 1];
        const float* level = value + ((b * s + starts[l]) * m + head) * d + c0;
        const float* r = Fused ? ref + (query * levels + l) * ref_dims : nullptr;
#pragma unroll
        for (int p = 0; p < points; p++)
        {
            const int k = l * points + p;
            float lx, ly, a;
            if (Fused)
            {
                const float ox = off[2 * k], oy = off[2 * k + 1];
                if (ref_dims == 2)
                {
                    lx = r[0] + ox / w;
                    ly = r[1] + oy / h;
                }
                else
                {
                    lx = r[0] + ox / points * r[2] * 0.5f;
                    ly = r[1] + oy / points * r[3] * 0.5f;
                }
                a = expf(aw[k] - max_logit) / sum;
            }
            else
            {
                lx = off[2 * k];
                ly = off[2 * k + 1];
                a = aw[k];
            }
            const float x = lx * w - 0.5f, yy = ly * h - 0.5f;
            if (!(yy > -1.0f && x > -1.0f && yy < h && x < w)) continue;
            const int x0 = (int)floorf(x), y0 = (int)floorf(yy);
            const float fx = x - x0, fy = yy - y0, gx = 1.0f - fx, gy = 1.0f - fy;
            mrvs_msda_fma(acc, a * gy * gx, mrvs_msda_corner(level, y0, x0, h, w, pixel_stride, valid, vec));
            mrvs_msda_fma(acc, a * gy * fx, mrvs_msda_corner(level, y0, x0 + 1, h, w, pixel_stride, valid, vec));
            mrvs_msda_fma(acc, a * fy * gx, mrvs_msda_corner(level, y0 + 1, x0, h, w, pixel_stride, valid, vec));
            mrvs_msda_fma(acc, a * fy * fx, mrvs_msda_corner(level, y0 + 1, x0 + 1, h, w, pixel_stride, valid, vec));
        }
    }
    const long long first = item * d + c0;
    if (vec)
    {
        const float v[4] = {acc.x, acc.y, acc.z, acc.w};
        mrvs_store4(y, first, v, type);
        return;
    }
    if (valid > 0) mrvs_store(y, first, acc.x, type);
    if (valid > 1) mrvs_store(y, first + 1, acc.y, type);
    if (valid > 2) mrvs_store(y, first + 2, acc.z, type);
    if (valid > 3) mrvs_store(y, first + 3, acc.w, type);
}

// The block's run of `run` × per_block consecutive items: a pass of per_block items, `run` passes.
template <int L, int P, bool Fused>
__device__ __forceinline__ void ms_deform_attn_core(const float* __restrict__ value, const int* __restrict__ table,
    const int* __restrict__ order, const float* __restrict__ loc_or_off, const float* __restrict__ w_or_logits,
    const float* __restrict__ ref, void* __restrict__ y, int type, long long items, int run, int s, int m, int d,
    int lq, int levels, int points, int ref_dims)
{
    const int groups = (d + MRVS_MSDA_CHANNELS - 1) / MRVS_MSDA_CHANNELS, per_block = MRVS_MSDA_THREADS / groups;
    const int slot = threadIdx.x / groups, c0 = threadIdx.x % groups * MRVS_MSDA_CHANNELS;
    if (slot >= per_block) return;
    const long long first = (long long)blockIdx.x * per_block * run + slot;
    for (int r = 0; r < run; r++)
    {
        const long long item = first + (long long)r * per_block;
        if (item >= items) return;
        ms_deform_attn_item<L, P, Fused>(value, table, order, loc_or_off, w_or_logits, ref, y, type, item, c0, s, m, d,
            lq, levels, points, ref_dims);
    }
}

// Given form, any L and P (upstream's core: fixtures, tests).
extern "C" __global__ void __launch_bounds__(128) ms_deform_attn(const float* __restrict__ value,
    const int* __restrict__ table, const int* __restrict__ order, const float* __restrict__ loc,
    const float* __restrict__ weights, void* __restrict__ y, int type, long long items, int run, int s, int m, int d,
    int lq, int levels, int points)
{
    ms_deform_attn_core<0, 0, false>(value, table, order, loc, weights, nullptr, y, type, items, run, s, m, d, lq,
        levels, points, 0);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(ms_deform_attn)

// Fused form, any L and P.
extern "C" __global__ void __launch_bounds__(128) ms_deform_attn_fused(const float* __restrict__ value,
    const int* __restrict__ table, const int* __restrict__ order, const float* __restrict__ projection,
    const float* __restrict__ ref, void* __restrict__ y, int type, long long items, int run, int s, int m, int d,
    int lq, int levels, int points, int ref_dims)
{
    ms_deform_attn_core<0, 0, true>(value, table, order, projection, nullptr, ref, y, type, items, run, s, m, d, lq,
        levels, points, ref_dims);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(ms_deform_attn_fused)

// Fused form at 4 levels × 4 points (every released SOC / SOC++ encoder and decoder layer).
extern "C" __global__ void __launch_bounds__(128) ms_deform_attn_fused_l4p4(const float* __restrict__ value,
    const int* __restrict__ table, const int* __restrict__ order, const float* __restrict__ projection,
    const float* __restrict__ ref, void* __restrict__ y, int type, long long items, int run, int s, int m, int d,
    int lq, int levels, int points, int ref_dims)
{
    ms_deform_attn_core<4, 4, true>(value, table, order, projection, nullptr, ref, y, type, items, run, s, m, d, lq,
        levels, points, ref_dims);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(ms_deform_attn_fused_l4p4)
