// swin_window_layer_norm: a Video Swin block's norm1 and window partition in one pass (SwinWindowLayerNormOp, from
// the graph fusion rule that folds swin_window_partition into the LayerNorm before it): windows [nW, N, C] row t =
// LN(x[source(t)]) * gamma + beta, or zeros where t is a padding token (upstream pads after the norm), source() the
// shifted partition's index map (mrvs_window_source, mrvs_swin_window.h).
// Layout: x [D, H, W, C] channels-last, y [nW, wd*wh*ww, C] (windows (d, h, w), tokens (d, y, x) of the volume rolled
// by -shift); gamma, beta [C].
// Launch: as layer_norm.cu, over the nW·N output rows: grid (ceil(rows / (128 / g))), block (128), g threads per
// row (mrvs_rows.h), vec4 = 1 for 128-bit loads and stores (C % 4 == 0). Each row of x is read once (gathered by the
// map: rows are contiguous, so loads stay coalesced) and y written once, padding rows as zeros without a read; the
// partition's separate pass (write the normalised volume, read it back, write the windows) is gone.
// type: y in float32, half or bfloat16 (as layer_norm.cu's).
// Limits: those of layer_norm.cu (rows longer than 2048 are re-read on each sweep).
// Borrows: Apex's fused LayerNorm (via mrvs_layer_norm.h); Swin's window partition as an index map on the stores.
#include "mrvs_layer_norm.h"
#include "mrvs_swin_window.h"

template <int W>
__device__ __forceinline__ void swin_window_layer_norm_rows(const float* __restrict__ x,
                                                            const float* __restrict__ gamma,
                                                            const float* __restrict__ beta, void* __restrict__ y,
                                                            int type, long long rows, int n, int g, float eps,
                                                            int d, int h, int w, const mrvs_window& geometry)
{
    __shared__ float scratch[MRVS_ROW_BLOCK / MRVS_WARP];
    mrvs_row r = mrvs_row_of_thread(rows, n, g);
    const long long source = mrvs_window_source(geometry, r.row, d, h, w);
    const bool padding = r.len > 0 && source < 0;
    if (padding) r.len = 0; // the group still takes part in the reductions, reading and writing nothing
    mrvs_layer_norm_row<W>(r, x + (source < 0 ? 0 : source) * n, nullptr, gamma, beta, y, type, nullptr,
                           MRVS_STORE_F32, n, eps, scratch);
    if (!padding) return;
    const float zeros[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int j = r.lane * W; j < n; j += g * W)
    {
        if constexpr (W == 4) mrvs_store4(y, r.row * n + j, zeros, type);
        else mrvs_store(y, r.row * n + j, 0.0f, type);
    }
}

extern "C" __global__ void __launch_bounds__(128)
    swin_window_layer_norm(const float* __restrict__ x, const float* __restrict__ gamma,
                           const float* __restrict__ beta, void* __restrict__ y, int type, long long rows, int n,
                           int g, int vec4, float eps, int d, int h, int w, mrvs_window geometry)
{
    if (vec4) swin_window_layer_norm_rows<4>(x, gamma, beta, y, type, rows, n, g, eps, d, h, w, geometry);
    else swin_window_layer_norm_rows<1>(x, gamma, beta, y, type, rows, n, g, eps, d, h, w, geometry);
}
MRVS_EXPORT_KERNEL(swin_window_layer_norm)
