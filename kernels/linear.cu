// linear: the epilogue of a Linear after the GEMM (cuBLAS, or the CPU GEMM in emulation), in place: y = act(y + bias)
// + residual, bias broadcast over rows, y read and stored in `type` (mrvs_half.h): float32, or in the backend's fp16 /
// bf16 mode, for a Linear whose result only a GEMM reads (the feed-forward's hidden), the GEMMs' 16-bit type. There
// the GEMM has already added the bias and stored its result in 16 bits (bias null here), as PyTorch's autocast Linear
// does before its activation: the pass reads 2 bytes and stores 2 per element, not 4 and 2 after a float32 product
// (a third of the 16-bit feed-forward's hidden traffic). Layout: y and residual [rows, n], bias [n]; bias and residual
// may be null, the residual only with float32.
// act: 0 none, 1 relu, 2 gelu (erf), 3 sigmoid, 4 tanh (MRVS.Core.Graph.Ops.Activation). The residual comes from the
// graph fusion pass (a Linear followed by an add), added last as the separate add did. Only for the forms the GEMM's
// own epilogue (cuBLASLt) cannot apply, chosen in src/MRVS.Backends.Cuda/Ops/Linear.cs: the exact erf GELU
// (cuBLASLt's is the tanh approximation), sigmoid, tanh, and an activation followed by a residual.
// Launch: grid (ceil(n / cols), ceil(rows / rows_per_block)), block (256): cols = min(256, n rounded up to 32)
// columns per block, 256 / cols lanes of rows, rows_per_block a multiple of the lanes (up to 32 rows per thread); each
// thread keeps its column's bias in a register and walks its rows, so the bias is read once per block, not once per
// 256 elements (for the feed-forward's hidden, a bias read for every 1 KiB of y doubled the reads), and a warp reads
// 128 contiguous bytes of a row.
//
// linear_few_rows: a whole Linear of a few rows (≤ 256) in one launch, GEMM and epilogue, y = LN(gate ⊙ act(x·Wᵀ +
// bias) + residual)·γ + β with the gate and the LayerNorm optional (null: none; biased variance, eps inside the sqrt,
// two passes), for the text encoder's tokens, the queries of the deformable decoder and the VOC, the frame-score
// FFNs' rows, cross_modal_fusion's gated output projection of its few queries: there a GEMM is a stream of the
// weight, and the separate epilogue or LayerNorm pass costs a launch as long as the GEMM itself. Layout: x [m, k], W
// [n, k] (PyTorch's), bias, γ, β [n], gate, residual, y [m, n], float32, k % 32 == 0 and 16-byte aligned x and W;
// partial [splits, m, n] (scratch, when split).
// Launch: grid (ceil(n / BN), row tiles, splits): each block owns BN columns of one tile of rows and one range of
// `chunk` k, so each weight element is read once per row tile. linear_few_rows: one tile of m ≤ 32 rows, BN = 64,
// block (256); linear_few_rows_wide: tiles of 64 rows, BN = 128, block (512) (BN ≥ 2 × tile rows: the x every block
// re-reads is at most half its share of W). A block's threads are (threads/32) row lanes × 32 column lanes, each with
// a 4 × (BN/32) register tile (8 or 16 accumulators: ≤ 64 registers, 50 % occupancy), over k-chunks of 32 staged in
// shared memory (W with 128-bit loads, padded rows: no bank conflicts).
// Why split k: a block's k-chunks are a chain of dependent loads (~1 µs each from DRAM), so a few blocks walking all
// of a long k (the text FFN's 3072) would be latency-bound far above the bandwidth time; the host splits k into
// ranges of ≥ 256 (8 chunks), as cuBLAS's split-K does for skinny GEMMs, while the partials' round trip stays below a
// quarter of the weight's bytes. Each split stores its partial sums; the last of a tile's splits to finish adds them
// in split order (the same bits whichever finishes last) and applies the epilogue.
// Cross-block steps use counts in `done` (zeroed ints, zeroed again by whoever completes them; launches on one
// stream are ordered): done[4 + tile] counts a (column, row) tile's splits, done[row tile] its column tiles for the
// LayerNorm; a block fences its stores, then counts itself, and the last arrival reads the others' stores through L2
// (__ldcg). The LayerNorm's last block normalises the tile's rows in place, a warp per row.
// Limits: the LayerNorm tail is one block's work per tile (64 × n: a few µs from L2); past 256 rows (4 tiles) W's
// re-reads make cuBLAS and the LayerNorm kernel the better choice.
// Borrows: the column split and split-K of skinny GEMMs (cuBLAS's gemv-like and split-K kernels); the threadfence
// reduction of the CUDA samples (threadFenceReduction) for the steps that need other blocks' results.
#include "mrvs_cuda.h"
#include "mrvs_half.h"

// act: 0 none, 1 relu, 2 gelu (erf), 3 sigmoid, 4 tanh.
__device__ __forceinline__ float linear_activation(float v, int act)
{
    switch (act)
    {
    case 1: return v > 0.0f ? v : 0.0f;
    case 2: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    case 3: return 1.0f / (1.0f + expf(-v));
    case 4: return tanhf(v);
    default: return v;
    }
}

extern "C" __global__ void __launch_bounds__(256) linear(void* __restrict__ y, const float* __restrict__ bias,
                                                         const float* __restrict__ residual, long long rows, int n,
                                                         int rows_per_block, int act, int type)
{
    const int cols = n < 256 ? (n + 31) / 32 * 32 : 256, lanes = 256 / cols;
    const int c = blockIdx.x * cols + threadIdx.x % cols;
    if (c >= n) return;
    const float b = bias ? bias[c] : 0.0f;
    const long long first = (long long)blockIdx.y * rows_per_block;
    const long long end = first + rows_per_block < rows ? first + rows_per_block : rows;
    for (long long r = first + threadIdx.x / cols; r < end; r += lanes)
    {
        const long long i = r * n + c;
        const float v = linear_activation(mrvs_load(y, i, type) + b, act);
        mrvs_store(y, i, residual ? v + residual[i] : v, type);
    }
}
MRVS_EXPORT_INDEPENDENT_KERNEL(linear)

constexpr int FEW_ROWS_BK = 32;
#define MRVS_FEW_ROWS_TILES 4 // row tiles: done[0..3] count the LayerNorm's arrivals, split counts follow

// Whether this block is the last of `expected` to arrive at *count (every thread of the block calls it): its stores
// and those of the blocks before it are visible to the last one, which zeroes the count for the next launch.
__device__ __forceinline__ bool linear_few_rows_last(unsigned int* count, unsigned int expected)
{
    __shared__ bool last;
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0)
    {
        last = atomicAdd(count, 1u) == expected - 1;
        if (last) *count = 0;
    }
    __syncthreads();
    return last;
}

// Stages a k-chunk of ROWS rows of src from row `first` (row length ld, columns k0 .. k0 + 31; rows past `valid` as
// zeros) into dst k-major, [FEW_ROWS_BK][ROWS + 1]: 128-bit loads along each row, the padded row stride keeps the
// transposing stores free of bank conflicts.
template <int ROWS, int THREADS>
__device__ __forceinline__ void linear_few_rows_stage(const float* __restrict__ src, int ld, int first, int valid,
                                                      int k0, float* dst)
{
    constexpr int BK = FEW_ROWS_BK, S = ROWS + 1;
    for (int i = threadIdx.x; i < ROWS * BK / 4; i += THREADS)
    {
        const int r = i / (BK / 4), c = i % (BK / 4) * 4;
        float4 q = {0.0f, 0.0f, 0.0f, 0.0f};
        if (r < valid) q = *reinterpret_cast<const float4*>(src + (long long)(first + r) * ld + k0 + c);
        dst[c * S + r] = q.x, dst[(c + 1) * S + r] = q.y, dst[(c + 2) * S + r] = q.z, dst[(c + 3) * S + r] = q.w;
    }
}

// The block's tile, rows r0 .. r0 + rows − 1: GEMM over its k range, the splits' sum, the epilogue. Returns whether
// this block stored the tile's y (false: another split finishes it). Block-uniform.
template <int MAXM, int BN, int THREADS>
__device__ __forceinline__ bool linear_few_rows_tile(const float* __restrict__ x, const float* __restrict__ w,
                                                     const float* __restrict__ bias, const float* __restrict__ gate,
                                                     const float* __restrict__ residual, float* y, float* partial,
                                                     unsigned int* split_done, int m, int n, int k, int act,
                                                     int chunk, int r0, int rows)
{
    constexpr int BK = FEW_ROWS_BK, LANES = THREADS / MRVS_WARP, TM = MAXM / LANES, TN = BN / MRVS_WARP;
    constexpr int XS = MAXM + 1, WS = BN + 1;
    __shared__ float xs[BK * XS]; // [BK][MAXM + 1], k-major: a row lane's reads are broadcasts
    __shared__ float ws[BK * WS]; // [BK][BN + 1]: a column lane's reads are consecutive
    const int tx = threadIdx.x % MRVS_WARP, ty = threadIdx.x / MRVS_WARP, n0 = blockIdx.x * BN;
    const int kb = blockIdx.z * chunk, ke = k - kb < chunk ? k : kb + chunk;
    float acc[TM][TN] = {};
    for (int k0 = kb; k0 < ke; k0 += BK)
    {
        linear_few_rows_stage<MAXM, THREADS>(x, k, r0, rows, k0, xs);
        linear_few_rows_stage<BN, THREADS>(w, k, n0, n - n0, k0, ws);
        __syncthreads();
#pragma unroll 8
        for (int kk = 0; kk < BK; kk++)
        {
            float a[TM], b[TN];
#pragma unroll
            for (int i = 0; i < TM; i++) a[i] = xs[kk * XS + ty + LANES * i];
#pragma unroll
            for (int j = 0; j < TN; j++) b[j] = ws[kk * WS + tx + MRVS_WARP * j];
#pragma unroll
            for (int i = 0; i < TM; i++)
#pragma unroll
                for (int j = 0; j < TN; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
    if (gridDim.z > 1)
    {
#pragma unroll
        for (int i = 0; i < TM; i++)
#pragma unroll
            for (int j = 0; j < TN; j++)
            {
                const int r = ty + LANES * i, c = n0 + tx + MRVS_WARP * j;
                if (r < rows && c < n) partial[((long long)blockIdx.z * m + r0 + r) * n + c] = acc[i][j];
            }
        if (!linear_few_rows_last(split_done + blockIdx.y * gridDim.x + blockIdx.x, gridDim.z)) return false;
#pragma unroll
        for (int i = 0; i < TM; i++)
#pragma unroll
            for (int j = 0; j < TN; j++)
            {
                const int r = ty + LANES * i, c = n0 + tx + MRVS_WARP * j;
                if (r >= rows || c >= n) continue;
                float sum = 0.0f;
                for (int z = 0; z < (int)gridDim.z; z++) sum += __ldcg(partial + ((long long)z * m + r0 + r) * n + c);
                acc[i][j] = sum;
            }
    }
#pragma unroll
    for (int i = 0; i < TM; i++)
#pragma unroll
        for (int j = 0; j < TN; j++)
        {
            const int r = ty + LANES * i, c = n0 + tx + MRVS_WARP * j;
            if (r >= rows || c >= n) continue;
            const long long at = (long long)(r0 + r) * n + c;
            float v = linear_activation(acc[i][j] + (bias ? bias[c] : 0.0f), act);
            if (gate) v = gate[at] * v;
            y[at] = residual ? v + residual[at] : v;
        }
    return true;
}

// The tile, then, where the launch has a LayerNorm, the last block of the row tile normalises its rows. Not
// mrvs_layer_norm.h's row: its __restrict__ loads may take the read-only path, which need not see this launch's
// stores; these go through L2.
template <int MAXM, int BN, int THREADS>
__device__ __forceinline__ void linear_few_rows_run(const float* __restrict__ x, const float* __restrict__ w,
                                                    const float* __restrict__ bias, const float* __restrict__ gate,
                                                    const float* __restrict__ residual,
                                                    const float* __restrict__ gamma, const float* __restrict__ beta,
                                                    float* y, float* partial, unsigned int* done, int m, int n, int k,
                                                    int act, int chunk, float eps)
{
    const int r0 = blockIdx.y * MAXM, rows = m - r0 < MAXM ? m - r0 : MAXM, lane = threadIdx.x % MRVS_WARP;
    const bool stored = linear_few_rows_tile<MAXM, BN, THREADS>(x, w, bias, gate, residual, y, partial,
                                                                done + MRVS_FEW_ROWS_TILES, m, n, k, act, chunk,
                                                                r0, rows);
    if (!gamma || !stored || !linear_few_rows_last(done + blockIdx.y, gridDim.x)) return;
    for (int r = r0 + threadIdx.x / MRVS_WARP; r < r0 + rows; r += THREADS / MRVS_WARP)
    {
        float* row = y + (long long)r * n;
        float sum = 0.0f;
        for (int j = lane; j < n; j += MRVS_WARP) sum += __ldcg(row + j);
        const float mean = mrvs_warp_sum(sum) / n;
        float sq = 0.0f;
        for (int j = lane; j < n; j += MRVS_WARP)
        {
            const float d = __ldcg(row + j) - mean;
            sq += d * d;
        }
        const float rstd = rsqrtf(mrvs_warp_sum(sq) / n + eps);
        for (int j = lane; j < n; j += MRVS_WARP) row[j] = (__ldcg(row + j) - mean) * rstd * gamma[j] + beta[j];
    }
}

// Two entry points, one per tile, so each gets its own register budget under its block size.
extern "C" __global__ void __launch_bounds__(256)
    linear_few_rows(const float* __restrict__ x, const float* __restrict__ w, const float* __restrict__ bias,
                    const float* __restrict__ gate, const float* __restrict__ residual,
                    const float* __restrict__ gamma, const float* __restrict__ beta, float* y, float* partial,
                    unsigned int* done, int m, int n, int k, int act, int chunk, float eps)
{
    linear_few_rows_run<32, 64, 256>(x, w, bias, gate, residual, gamma, beta, y, partial, done, m, n, k, act, chunk,
                                     eps);
}
MRVS_EXPORT_KERNEL(linear_few_rows)

extern "C" __global__ void __launch_bounds__(512)
    linear_few_rows_wide(const float* __restrict__ x, const float* __restrict__ w, const float* __restrict__ bias,
                         const float* __restrict__ gate, const float* __restrict__ residual,
                         const float* __restrict__ gamma, const float* __restrict__ beta, float* y, float* partial,
                         unsigned int* done, int m, int n, int k, int act, int chunk, float eps)
{
    linear_few_rows_run<64, 128, 512>(x, w, bias, gate, residual, gamma, beta, y, partial, done, m, n, k, act, chunk,
                                      eps);
}
MRVS_EXPORT_KERNEL(linear_few_rows_wide)
