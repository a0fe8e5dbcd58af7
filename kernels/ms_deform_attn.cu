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
// int32 in device memory; order [Lq] and regions [R + 1] int32, or null; y [N, Lq, M*D] in store type `type`
// (mrvs_half.h: float32, or the GEMMs' 16-bit type where only the output projection's GEMM reads it).
// Launch: block (128) with G = ceil(D / 4) threads per (image, head, query) item, per_block = 128 / G items at a time
// (the last 128 % G threads idle). A block holds one head's queries: a head reads only its own D channels of a value
// pixel, so a block gains nothing from several heads of a query, and its items' gathers share sectors when they are
// one head's neighbouring queries (DCNv4 also gives a block several queries).
//   encoder (the queries are the value's own pixels): grid (N * M * R), block (image, head, region) takes the
//   region's queries, `order[regions[r] .. regions[r + 1])` (the host's): a region is an area of the image, 12 × 16
//   pixels of level 0 and the pixels of every coarser level whose centres fall in it. A coarse query samples the finer
//   levels around its own place, at a spacing of 2, 4, 8 level-0 pixels, so that alone in a block it shares none of
//   its gathers: with the fine queries of the same area in its block, those pixels are read once for all of them.
//   Runs of one level's pixels had each coarse query read its 4·P corners of every finer level alone: most of the
//   value's re-reads, for a quarter of the queries (RESULTS.md);
//   otherwise (the decoder's queries, the given form): grid (ceil(N*Lq*M / (per_block*run))), `run` passes of
//   per_block consecutive items (image, head, query) per block (16 from the host: 256 queries at D = 32).
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

// One item: image b, head `head`, query `at` of the image, channels [c0, c0 + 4) of it. L, P > 0: compile-time
// levels and points (the softmax and point loops fully unrolled); 0: the run-time `levels` / `points`.
template <int L, int P, bool Fused>
__device__ __forceinline__ void ms_deform_attn_item(const float* __restrict__ value, const int* __restrict__ table,
    const float* __restrict__ loc_or_off, const float* __restrict__ w_or_logits, const float* __restrict__ ref,
    void* __restrict__ y, int type, int b, int head, int at, int c0, int s, int m, int d, int lq, int levels,
    int points, int ref_dims)
{
    if (L > 0) levels = L;
    if (P > 0) points = P;
    const int samples = levels * points, valid = d - c0;
    const long long query = (long long)b * lq + at, item = query * m + head;
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

// The block's items. With `regions` (int32 [region_count + 1], offsets into `order`, a permutation of an image's lq
// queries), block (image, head, region) takes the region's queries of that head, per_block at a time; without, the
// block takes `run` passes of per_block consecutive items (image, head, query), the queries as stored.
template <int L, int P, bool Fused>
__device__ __forceinline__ void ms_deform_attn_core(const float* __restrict__ value, const int* __restrict__ table,
    const int* __restrict__ order, const int* __restrict__ regions, int region_count,
    const float* __restrict__ loc_or_off, const float* __restrict__ w_or_logits, const float* __restrict__ ref,
    void* __restrict__ y, int type, long long items, int run, int s, int m, int d, int lq, int levels, int points,
    int ref_dims)
{
    const int groups = (d + MRVS_MSDA_CHANNELS - 1) / MRVS_MSDA_CHANNELS, per_block = MRVS_MSDA_THREADS / groups;
    const int slot = threadIdx.x / groups, c0 = threadIdx.x % groups * MRVS_MSDA_CHANNELS;
    if (slot >= per_block) return;
    // One loop for both (the item inlined once: twice took 8 registers more). 32-bit index math (see the header).
    int first, end, b = 0, head = 0;
    if (regions)
    {
        const int region = blockIdx.x % region_count, image_head = blockIdx.x / region_count;
        b = image_head / m;
        head = image_head - b * m;
        first = regions[region];
        end = regions[region + 1];
    }
    else
    {
        const long long run_first = (long long)blockIdx.x * per_block * run, run_end = run_first + per_block * run;
        if (run_first >= items) return;
        first = (int)run_first;
        end = (int)(run_end < items ? run_end : items);
    }
    for (int i = first + slot; i < end; i += per_block)
    {
        int at = i;
        if (regions) at = order[i];
        else
        {
            const int image_head = i / lq;
            at = i - image_head * lq;
            b = image_head / m;
            head = image_head - b * m;
        }
        ms_deform_attn_item<L, P, Fused>(value, table, loc_or_off, w_or_logits, ref, y, type, b, head, at, c0, s, m, d,
            lq, levels, points, ref_dims);
    }
}

// Given form, any L and P (upstream's core: fixtures, tests).
extern "C" __global__ void __launch_bounds__(128) ms_deform_attn(const float* __restrict__ value,
    const int* __restrict__ table, const int* __restrict__ order, const int* __restrict__ regions, int region_count,
    const float* __restrict__ loc, const float* __restrict__ weights, void* __restrict__ y, int type, long long items,
    int run, int s, int m, int d, int lq, int levels, int points)
{
    ms_deform_attn_core<0, 0, false>(value, table, order, regions, region_count, loc, weights, nullptr, y, type, items,
        run, s, m, d, lq, levels, points, 0);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(ms_deform_attn)

// Fused form, any L and P.
extern "C" __global__ void __launch_bounds__(128) ms_deform_attn_fused(const float* __restrict__ value,
    const int* __restrict__ table, const int* __restrict__ order, const int* __restrict__ regions, int region_count,
    const float* __restrict__ projection, const float* __restrict__ ref, void* __restrict__ y, int type,
    long long items, int run, int s, int m, int d, int lq, int levels, int points, int ref_dims)
{
    ms_deform_attn_core<0, 0, true>(value, table, order, regions, region_count, projection, nullptr, ref, y, type,
        items, run, s, m, d, lq, levels, points, ref_dims);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(ms_deform_attn_fused)

// Fused form at 4 levels × 4 points (every released SOC / SOC++ encoder and decoder layer). 9 blocks per SM: 56
// registers on sm_90 either way; without the bound sm_80 took 67 (44 % occupancy), with it 56 and no spill.
extern "C" __global__ void __launch_bounds__(128, 9) ms_deform_attn_fused_l4p4(const float* __restrict__ value,
    const int* __restrict__ table, const int* __restrict__ order, const int* __restrict__ regions, int region_count,
    const float* __restrict__ projection, const float* __restrict__ ref, void* __restrict__ y, int type,
    long long items, int run, int s, int m, int d, int lq, int levels, int points, int ref_dims)
{
    ms_deform_attn_core<4, 4, true>(value, table, order, regions, region_count, projection, nullptr, ref, y, type,
        items, run, s, m, d, lq, levels, points, ref_dims);
}
MRVS_EXPORT_INDEPENDENT_KERNEL(ms_deform_attn_fused_l4p4)
