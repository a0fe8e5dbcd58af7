// dynamic_mask_head: CondInst mask head with relative coordinates. Per frame t, query q and pixel (i, j): input
// [features of frame t (C), ref.x*img_w - (stride*j + stride/2), ref.y*img_h - (stride*i + stride/2)], then `layers`
// 1x1 convs (ReLU between) with per-query weights/biases from params ([w0, w1, ..., b0, b1, ...], out-major).
// Layout: features [T, C, h, w], params [T, Q, P], ref [T, Q, 2], y [T, Q, h, w].
// Launch: grid (ceil(h*w / 512), T), block (128), 2*W*128 floats of static shared memory and chunk*P dynamic: one
// frame's run of 512 pixels per block, 4 pixels per thread (128 apart, so feature reads and mask writes stay
// coalesced), every query of the frame per pixel. A pixel's C features are read from memory once into the thread's
// column of a [W, 128] shared array and serve all Q queries (one block per (frame, query) read them Q times); the
// queries' parameters are staged in shared memory, `chunk` queries at a time (all of them for every released model:
// 20 × 169 floats), so every weight a thread reads is a shared-memory broadcast, and 512 pixels per block keep the
// parameters' re-reads across blocks small next to the features and masks.
// The activation width bound W (at least C + 2 and the hidden width) is a template parameter: a pixel's layer input
// a[W] is indexed only by fully unrolled loops, so it stays in registers (no local memory), and the layer's outputs
// go to the thread's column of a second [W, 128] shared array until a[] is done with (features and outputs in
// registers too would spill at W = 32); channels at or past the real width are predicated off. dynamic_mask_head:
// W = 16 (every released SOC / SOC++: 8 mask channels + 2 coordinates, 8 hidden); dynamic_mask_head_wide: W = 32.
// Limits: C + 2 and the hidden width at most 32 (checked at graph build); T at most 65535 (grid.y).
#include "mrvs_cuda.h"

#define MRVS_MASK_THREADS 128
#define MRVS_MASK_PIXELS_PER_THREAD 4

template <int W>
__device__ __forceinline__ void dynamic_mask_head_core(const float* __restrict__ features,
    const float* __restrict__ params, const float* __restrict__ ref, float* __restrict__ y, int c, int h, int w,
    int q, int np, int chunk, int channels, int layers, float img_h, float img_w, int stride)
{
    MRVS_DYNAMIC_SMEM(float, p);
    // Columns per thread (conflict-free, never shared between threads): the pixel's features, read once for all
    // queries, and a layer's outputs while a[] is still read.
    __shared__ float f[W * MRVS_MASK_THREADS], b[W * MRVS_MASK_THREADS];
    float *ft = f + threadIdx.x, *bt = b + threadIdx.x;
    const int t = blockIdx.y, hw = h * w;
    int bias_start = 0; // the weights come first
    for (int l = 0; l < layers; l++) bias_start += (l == 0 ? c + 2 : channels) * (l == layers - 1 ? 1 : channels);
    for (int q0 = 0; q0 < q; q0 += chunk)
    {
        const int n = q - q0 < chunk ? q - q0 : chunk;
        __syncthreads(); // the previous chunk's parameters are no longer read
        for (int i = threadIdx.x; i < n * np; i += blockDim.x) p[i] = params[((long long)t * q + q0) * np + i];
        __syncthreads();
        for (int r = 0; r < MRVS_MASK_PIXELS_PER_THREAD; r++)
        {
            const int pixel = (blockIdx.x * MRVS_MASK_PIXELS_PER_THREAD + r) * MRVS_MASK_THREADS + threadIdx.x;
            if (pixel >= hw) break;
            const float* fp = features + (long long)t * c * hw + pixel;
#pragma unroll
            for (int k = 0; k < W; k++)
                if (k < c) ft[k * MRVS_MASK_THREADS] = fp[(long long)k * hw];
            const float px = (float)(stride * (pixel % w) + stride / 2);
            const float py = (float)(stride * (pixel / w) + stride / 2);
            for (int qi = 0; qi < n; qi++)
            {
                const long long tq = (long long)t * q + q0 + qi;
                const float* pq = p + qi * np;
                const float rx = ref[2 * tq] * img_w - px, ry = ref[2 * tq + 1] * img_h - py;
                float a[W];
#pragma unroll
                for (int k = 0; k < W; k++)
                    a[k] = k == c ? rx : k == c + 1 ? ry : k < c ? ft[k * MRVS_MASK_THREADS] : 0.0f;
                int width = c + 2, weight_offset = 0, bias_offset = bias_start;
                for (int l = 0; l < layers; l++)
                {
                    const int outs = l == layers - 1 ? 1 : channels;
#pragma unroll
                    for (int o = 0; o < W; o++)
                    {
                        if (o >= outs) break;
                        const float* wo = pq + weight_offset + o * width;
                        float s = 0.0f;
#pragma unroll
                        for (int k = 0; k < W; k++)
                            if (k < width) s += wo[k] * a[k];
                        s += pq[bias_offset + o];
                        bt[o * MRVS_MASK_THREADS] = l < layers - 1 && s < 0.0f ? 0.0f : s;
                    }
                    weight_offset += outs * width;
                    bias_offset += outs;
#pragma unroll
                    for (int o = 0; o < W; o++)
                        if (o < outs) a[o] = bt[o * MRVS_MASK_THREADS];
                    width = outs;
                }
                y[tq * hw + pixel] = a[0];
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(128) dynamic_mask_head(const float* __restrict__ features,
    const float* __restrict__ params, const float* __restrict__ ref, float* __restrict__ y, int c, int h, int w, int q,
    int np, int chunk, int channels, int layers, float img_h, float img_w, int stride)
{
    dynamic_mask_head_core<16>(features, params, ref, y, c, h, w, q, np, chunk, channels, layers, img_h, img_w,
        stride);
}
MRVS_EXPORT_KERNEL(dynamic_mask_head)

extern "C" __global__ void __launch_bounds__(128) dynamic_mask_head_wide(
    const float* __restrict__ features, const float* __restrict__ params, const float* __restrict__ ref,
    float* __restrict__ y, int c, int h, int w, int q, int np, int chunk, int channels, int layers, float img_h,
    float img_w, int stride)
{
    dynamic_mask_head_core<32>(features, params, ref, y, c, h, w, q, np, chunk, channels, layers, img_h, img_w,
        stride);
}
MRVS_EXPORT_KERNEL(dynamic_mask_head_wide)
