// layer_norm: y = LN(x [+ residual]) * gamma + beta over the last axis (biased variance, eps inside the sqrt).
// Layout: x, residual, y [rows, n] row-major; gamma, beta [n]. residual may be null: the residual add → LayerNorm
// fusion passes the sum's two operands as x and residual, added as the row is loaded (the sum is never written).
// Launch: grid (ceil(rows / (128 / g))), block (128): g threads per row (mrvs_rows.h: a power of two, g·16 ≥ n,
// so 1 thread per row of ≤ 16 channels, a warp per row of ≤ 512, the block for ≤ 2048); vec4 = 1 loads 128 bits
// at a time (n % 4 == 0, 16-byte aligned rows). The row stays in registers: x (and residual) read once, y written
// once; mean first, then the variance as the mean of squared deviations (two-pass, no cancellation): the row body
// is mrvs_layer_norm.h's, which swin_window_layer_norm.cu shares.
// type (mrvs_half.h): y in float32, or, when the CUDA backend's fp16 / bf16 mode keeps y as the GEMM operand it only
// feeds, in half or bfloat16, rounded once as it is stored (cast_narrow's rounding, without its launch). copy (may be
// null): the same rows again in copy_type, for a y that GEMMs and other kernels both read (the backend keeps it in
// float32 and as the GEMMs' 16-bit operand; 2 bytes more stored per element instead of a cast's 4 read and 2 stored).
// y may be x (a Linear's LayerNorm epilogue normalises in place): each element is stored by the thread that loaded
// it, after its last load.
// Limits: rows longer than 128·16 = 2048 are re-read from memory on each of the three sweeps.
// Borrows: Apex's fused LayerNorm (warp-per-row, register-resident rows, vector loads).
#include "mrvs_layer_norm.h"

template <int W>
__device__ __forceinline__ void layer_norm_rows(const float* __restrict__ x, const float* __restrict__ residual,
                                                const float* __restrict__ gamma, const float* __restrict__ beta,
                                                void* __restrict__ y, int type, void* __restrict__ copy,
                                                int copy_type, long long rows, int n, int g, float eps)
{
    __shared__ float scratch[MRVS_ROW_BLOCK / MRVS_WARP];
    const mrvs_row r = mrvs_row_of_thread(rows, n, g);
    mrvs_layer_norm_row<W>(r, x + r.row * n, residual ? residual + r.row * n : nullptr, gamma, beta, y, type, copy,
                           copy_type, n, eps, scratch);
}

extern "C" __global__ void __launch_bounds__(128)
    layer_norm(const float* __restrict__ x, const float* __restrict__ residual, const float* __restrict__ gamma,
               const float* __restrict__ beta, void* __restrict__ y, int type, void* __restrict__ copy,
               int copy_type, long long rows, int n, int g, int vec4, float eps)
{
    if (vec4) layer_norm_rows<4>(x, residual, gamma, beta, y, type, copy, copy_type, rows, n, g, eps);
    else layer_norm_rows<1>(x, residual, gamma, beta, y, type, copy, copy_type, rows, n, g, eps);
}
MRVS_EXPORT_KERNEL(layer_norm)
