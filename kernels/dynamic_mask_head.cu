// dynamic_mask_head: CondInst mask head with relative coordinates. Per frame t, query q and pixel (i, j): input
// [features of frame t (C), ref.x*img_w - (stride*j + stride/2), ref.y*img_h - (stride*i + stride/2)], then `layers`
// 1x1 convs (ReLU between) with per-query weights/biases from params ([w0, w1, ..., b0, b1, ...], out-major).
// Layout: features [T, C, h, w], params [T, Q, P], ref [T, Q, 2], y [T, Q, h, w].
// Launch: grid (ceil(h*w / 128), T*Q), block (128), dynamic shared memory P floats: one (frame, query) per grid row,
// one pixel per thread. The block stages its query's P parameters in shared memory once, so every weight a thread
// reads is a shared-memory broadcast instead of a global load per pixel; feature reads and mask writes are
// coalesced along the pixels.
// The activation width bound W (at least C + 2 and the hidden width) is a template parameter: a pixel's layer
// input a[W] is indexed only by fully unrolled loops, so it stays in registers (no local memory), and the layer's
// outputs go to the thread's column of a [W, 128] shared array until a[] is done with (both in registers would take
// 96 registers at W = 32: 31 % occupancy); channels at or past the real width are predicated off. dynamic_mask_head: W
// = 16 (every released SOC / SOC++:
// 8 mask channels + 2 coordinates, 8 hidden); dynamic_mask_head_wide: W = 32.
// Limits: C + 2 and the hidden width at most 32 (checked at graph build); T*Q at most 65535 (grid.y).
#include "mrvs_cuda.h"

template <int W>
__device__ __forceinline__ void dynamic_mask_head_core(const float* __restrict__ features,
    const float* __restrict__ params,
                                                       const float* __restrict__ ref, float* __restrict__ y, int c,
                                                           int h, int w,
                                                       int q, int np, int channels, int layers, float img_h,
                                                           float img_w, int stride)
{
    MRVS_DYNAMIC_SMEM(float, p);
    const int tq = blockIdx.y, t = tq / q;
    for (int i = threadIdx.x; i < np; i += blockDim.x) p[i] = params[(long long)tq * np + i];
    __syncthreads();
    const int pixel = blockIdx.x * blockDim.x + threadIdx.x;
    if (pixel >= h * w) return;
    const int x = pixel % w, yy = pixel / w;
    const float* f = features + (long long)t * c * h * w + pixel;
    __shared__ float b[W * 128]; // a layer's outputs, column per thread (conflict-free), while a[] is still read
    float* bt = b + threadIdx.x;
    float a[W];
#pragma unroll
    for (int k = 0; k < W; k++) a[k] = k < c ? f[(long long)k * h * w] : 0.0f;
    const float rx = ref[2 * tq] * img_w - (float)(stride * x + stride / 2);
    const float ry = ref[2 * tq + 1] * img_h - (float)(stride * yy + stride / 2);
#pragma unroll
    for (int k = 0; k < W; k++)
    {
        if (k == c) a[k] = rx;
        if (k == c + 1) a[k] = ry;
    }
    int width = c + 2, bias_offset = 0;
    for (int l = 0; l < layers; l++) bias_offset += (l == 0 ? c + 2 : channels) * (l == layers - 1 ? 1 : channels);
    int weight_offset = 0;
    for (int l = 0; l < layers; l++)
    {
        const int outs = l == layers - 1 ? 1 : channels;
#pragma unroll
        for (int o = 0; o < W; o++)
        {
            if (o >= outs) break;
            const float* wo = p + weight_offset + o * width;
            float s = 0.0f;
#pragma unroll
            for (int k = 0; k < W; k++)
                if (k < width) s += wo[k] * a[k];
            s += p[bias_offset + o];
            bt[o * 128] = l < layers - 1 && s < 0.0f ? 0.0f : s;
        }
        weight_offset += outs * width;
        bias_offset += outs;
#pragma unroll
        for (int o = 0; o < W; o++)
            if (o < outs) a[o] = bt[o * 128];
        width = outs;
    }
    y[(long long)tq * h * w + pixel] = a[0];
}

extern "C" __global__ void __launch_bounds__(128) dynamic_mask_head(const float* __restrict__ features,
    const float* __restrict__ params,
                                                                    const float* __restrict__ ref,
                                                                        float* __restrict__ y, int c, int h, int w,
                                                                    int q, int np, int channels, int layers,
                                                                        float img_h, float img_w, int stride)
{
    dynamic_mask_head_core<16>(features, params, ref, y, c, h, w, q, np, channels, layers, img_h, img_w, stride);
}
MRVS_EXPORT_KERNEL(dynamic_mask_head)

extern "C" __global__ void __launch_bounds__(128) dynamic_mask_head_wide(const float* __restrict__ features,
    const float* __restrict__ params,
                                                                         const float* __restrict__ ref,
                                                                             float* __restrict__ y, int c, int h, int w,
                                                                         int q, int np, int channels, int layers,
                                                                             float img_h, float img_w, int stride)
{
    dynamic_mask_head_core<32>(features, params, ref, y, c, h, w, q, np, channels, layers, img_h, img_w, stride);
}
MRVS_EXPORT_KERNEL(dynamic_mask_head_wide)
