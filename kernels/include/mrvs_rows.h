// Row-wise kernels (layer_norm, softmax) over x [rows, n]: each row belongs to a group of g threads (g a power of
// two, 1 ≤ g ≤ MRVS_ROW_BLOCK) and a block of MRVS_ROW_BLOCK threads holds MRVS_ROW_BLOCK / g rows, so a short row
// is not spread over a whole block: the host picks g = the smallest power of two with n ≤ g·MRVS_ROW_SLOTS
// (mrvs_row_group in Ops/RowGroup.cs). Each thread keeps its MRVS_ROW_SLOTS elements of the row in registers, loaded
// once; a row longer than g·MRVS_ROW_SLOTS (g capped at the block) is swept in pieces and reloaded on every sweep.
// Elements are loaded W at a time (W = 4: 128-bit loads, when n % 4 == 0 and every row pointer is 16-byte aligned):
// slot chunk c of thread `lane` covers elements base + (lane + c·g)·W .. + W − 1, so a group's loads are contiguous.
// Reductions: shuffles within the group for g ≤ 32, then shared memory across the group's warps for g > 32.
// Borrowed from Apex's fused LayerNorm (a warp per row, the row in registers, vector loads).
#pragma once
#include "mrvs_cuda.h"
#include "mrvs_half.h"

#define MRVS_ROW_BLOCK 128
#define MRVS_ROW_SLOTS 16

struct mrvs_row
{
    int g;         // threads of the row's group
    int lane;      // this thread's place in it
    int len;       // n for a live row, 0 for a thread past the last row (it loads and stores nothing)
    long long row; // the row index (clamped to 0 past the last row)
};

__device__ __forceinline__ mrvs_row mrvs_row_of_thread(long long rows, int n, int g)
{
    const long long row = (long long)blockIdx.x * (MRVS_ROW_BLOCK / g) + threadIdx.x / g;
    return {g, (int)(threadIdx.x % g), row < rows ? n : 0, row < rows ? row : 0};
}

// Sum (Max = false) or max of v over the row's group; every thread of the group gets it. Every thread of the block
// must call it (g > 32 synchronises the block).
template <bool Max>
__device__ __forceinline__ float mrvs_row_reduce(float v, int g, float* scratch)
{
    for (int offset = (g < MRVS_WARP ? g : MRVS_WARP) / 2; offset > 0; offset >>= 1)
    {
        const float o = __shfl_xor_sync(0xffffffffu, v, offset);
        v = Max ? fmaxf(v, o) : v + o;
    }
    if (g <= MRVS_WARP) return v;
    __syncthreads(); // the previous reduction's reads of scratch are done
    if (threadIdx.x % MRVS_WARP == 0) scratch[threadIdx.x / MRVS_WARP] = v;
    __syncthreads();
    const int first = threadIdx.x / g * (g / MRVS_WARP);
    v = scratch[first];
    for (int w = 1; w < g / MRVS_WARP; w++) v = Max ? fmaxf(v, scratch[first + w]) : v + scratch[first + w];
    return v;
}

// Stores e[0..W) as elements j.. of y in store type `type`: one store of W elements.
template <int W>
__device__ __forceinline__ void mrvs_store_run(void* __restrict__ y, int j, const float* e, int type)
{
    if constexpr (W == 4) mrvs_store4(y, j, e, type);
    else mrvs_store(y, j, e[0], type);
}

// One sweep over this thread's elements of the row [a (+ b)] → visit(value&, j) for every element j < len, chunk
// by chunk of g·MRVS_ROW_SLOTS elements; the values come from v when `cached` (the row fits the registers and an
// earlier sweep loaded them) and are loaded otherwise; with y (the row's start) non-null the visited values are stored
// as element j of y in store type `type` (mrvs_half.h), and with `copy` non-null also as element j of copy in
// `copy_type` (a value kept both in float32 and as a 16-bit GEMM operand). b (a residual) may be null.
template <int W, typename Visit>
__device__ __forceinline__ void mrvs_row_sweep(float (&v)[MRVS_ROW_SLOTS], const mrvs_row& r, int n, bool cached,
                                               const float* __restrict__ a, const float* __restrict__ b,
                                               void* __restrict__ y, int type, Visit visit,
                                               void* __restrict__ copy = nullptr, int copy_type = MRVS_STORE_F32)
{
    static_assert(W == 1 || W == 4, "rows are loaded one float or one float4 at a time");
    for (int base = 0; base < n; base += r.g * MRVS_ROW_SLOTS)
    {
#pragma unroll
        for (int c = 0; c < MRVS_ROW_SLOTS / W; c++)
        {
            const int j = base + (r.lane + c * r.g) * W;
            float* e = v + c * W;
            const bool in = j < r.len; // W = 4: n % 4 == 0, so the whole vector is in
            if (!cached)
            {
                if constexpr (W == 4)
                {
                    float4 q = {0.0f, 0.0f, 0.0f, 0.0f};
                    if (in) q = *reinterpret_cast<const float4*>(a + j);
                    if (in && b)
                    {
                        const float4 p = *reinterpret_cast<const float4*>(b + j);
                        q.x += p.x, q.y += p.y, q.z += p.z, q.w += p.w;
                    }
                    e[0] = q.x, e[1] = q.y, e[2] = q.z, e[3] = q.w;
                }
                else e[0] = in ? (b ? a[j] + b[j] : a[j]) : 0.0f;
            }
            if (!in) continue;
#pragma unroll
            for (int k = 0; k < W; k++) visit(e[k], j + k);
            if (y) mrvs_store_run<W>(y, j, e, type);
            if (copy) mrvs_store_run<W>(copy, j, e, copy_type);
        }
    }
}
