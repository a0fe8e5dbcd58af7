// softmax: max-subtracted softmax over the last axis. Layout: x, y [rows, n] row-major.
// Launch: grid (ceil(rows / (128 / g))), block (128): g threads per row (mrvs_rows.h: a power of two, g·16 ≥ n; the
// deformable attention's rows of levels·points = 16 weights get one thread each); vec4 = 1 loads 128 bits at a time
// (n % 4 == 0, 16-byte aligned rows). The row stays in registers (x read once, y written once), holding exp(x − max)
// after the second sweep.
// Limits: rows longer than 128·16 = 2048 are re-read (and exp recomputed) on each sweep.
// Borrows: the row layout of Apex's fused softmax / LayerNorm (small rows per warp lane group, vector loads).
#include "mrvs_rows.h"

template <int W>
__device__ __forceinline__ void softmax_rows(const float* __restrict__ x, float* __restrict__ y, long long rows, int n,
                                             int g)
{
    __shared__ float scratch[MRVS_ROW_BLOCK / MRVS_WARP];
    const mrvs_row r = mrvs_row_of_thread(rows, n, g);
    const float* xr = x + r.row * n;
    const bool cached = n <= g * MRVS_ROW_SLOTS;
    float v[MRVS_ROW_SLOTS];
    float m = MRVS_NEG_INF;
    mrvs_row_sweep<W>(v, r, n, false, xr, nullptr, nullptr, MRVS_STORE_F32,
                      [&](float& e, int) { m = fmaxf(m, e); });
    m = mrvs_row_reduce<true>(m, g, scratch);
    float sum = 0.0f;
    mrvs_row_sweep<W>(v, r, n, cached, xr, nullptr, nullptr, MRVS_STORE_F32,
                      [&](float& e, int) { e = expf(e - m); sum += e; });
    const float total = mrvs_row_reduce<false>(sum, g, scratch);
    mrvs_row_sweep<W>(v, r, n, cached, xr, nullptr, y + r.row * n, MRVS_STORE_F32,
                      [&](float& e, int) { e = (cached ? e : expf(e - m)) / total; });
}

extern "C" __global__ void __launch_bounds__(128)
    softmax(const float* __restrict__ x, float* __restrict__ y, long long rows, int n, int g, int vec4)
{
    if (vec4) softmax_rows<4>(x, y, rows, n, g);
    else softmax_rows<1>(x, y, rows, n, g);
}
MRVS_EXPORT_KERNEL(softmax)
