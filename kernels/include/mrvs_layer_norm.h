// One LayerNorm row, shared by layer_norm.cu and swin_window_layer_norm.cu: y = LN(x [+ residual]) * gamma + beta
// (biased variance, eps inside the sqrt) over the n elements of the row that group r (mrvs_rows.h) owns, read from xr
// (and rr, may be null) and written to row r.row of y in store type `type` (mrvs_half.h), and of `copy` in `copy_type`
// when copy is non-null (the float32 row and its 16-bit GEMM operand in one pass). The row stays in registers
// when it fits (n ≤ g·16): read once, written once; mean first, then the variance as the mean of squared deviations
// (two-pass, no cancellation). A group with r.len = 0 reads and writes nothing but takes part in the reductions (every
// thread of the block must call it).
#pragma once
#include "mrvs_rows.h"

template <int W>
__device__ __forceinline__ void mrvs_layer_norm_row(const mrvs_row& r, const float* __restrict__ xr,
                                                    const float* __restrict__ rr, const float* __restrict__ gamma,
                                                    const float* __restrict__ beta, void* __restrict__ y, int type,
                                                    void* __restrict__ copy, int copy_type, int n, float eps,
                                                    float* scratch)
{
    const bool cached = n <= r.g * MRVS_ROW_SLOTS;
    float v[MRVS_ROW_SLOTS];
    float sum = 0.0f;
    mrvs_row_sweep<W>(v, r, n, false, xr, rr, nullptr, type, [&](float& e, int) { sum += e; });
    const float mean = mrvs_row_reduce<false>(sum, r.g, scratch) / n;
    float sq = 0.0f;
    mrvs_row_sweep<W>(v, r, n, cached, xr, rr, nullptr, type,
                      [&](float& e, int) { sq += (e - mean) * (e - mean); });
    const float rstd = rsqrtf(mrvs_row_reduce<false>(sq, r.g, scratch) / n + eps);
    // y's row is formed here, not by the caller: live across the reductions it costs layer_norm 4 registers.
    mrvs_row_sweep<W>(v, r, n, cached, xr, rr, mrvs_element(y, r.row * n, type), type,
                      [&](float& e, int j) { e = (e - mean) * rstd * gamma[j] + beta[j]; },
                      copy ? mrvs_element(copy, r.row * n, copy_type) : nullptr, copy_type);
}
