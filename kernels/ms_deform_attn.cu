// ms_deform_attn: multi-scale deformable attention core (sampling, bilinear interpolation and the attention-
// weighted sum in one kernel). Layout: value [N, S, M, D] (levels concatenated, row-major inside a level),
// shapes [L, 2] (h, w) and starts [L] as int32 in device memory, loc [N, Lq, M, L, P, 2] normalised (x, y),
// weights [N, Lq, M, L, P], y [N, Lq, M*D]. grid_sample semantics: x*W - 0.5, bilinear, zeros outside.
// Launch: grid (N * Lq * M), block (32): one (sample, query, head) per warp, lanes over channels.
// Limits: the level loop is sequential per warp (DCNv4-style channel grouping is the next step).
#include "mrvs_cuda.h"

__device__ __forceinline__ float mrvs_corner(const float* level, int y, int x, int h, int w, long long row_stride, long long col_stride)
{
    return (y >= 0 && x >= 0 && y < h && x < w) ? level[y * row_stride + x * col_stride] : 0.0f;
}

extern "C" __global__ void __launch_bounds__(32) ms_deform_attn(const float* __restrict__ value, const int* __restrict__ shapes, const int* __restrict__ starts,
                                          const float* __restrict__ loc, const float* __restrict__ weights, float* __restrict__ y,
                                          int s, int m, int d, int lq, int levels, int points)
{
    const long long item = blockIdx.x;
    const int head = (int)(item % m), q = (int)(item / m % lq);
    const long long b = item / m / lq;
    const long long sample = ((b * lq + q) * m + head) * levels * points;
    for (int ch = threadIdx.x; ch < d; ch += blockDim.x)
    {
        float acc = 0.0f;
        for (int l = 0; l < levels; l++)
        {
            const int h = shapes[2 * l], w = shapes[2 * l + 1];
            const float* level = value + ((b * s + starts[l]) * m + head) * d + ch;
            const long long row_stride = (long long)w * m * d, col_stride = (long long)m * d;
            for (int p = 0; p < points; p++)
            {
                const long long k = sample + l * points + p;
                const float x = loc[2 * k] * w - 0.5f, yy = loc[2 * k + 1] * h - 0.5f;
                if (!(yy > -1.0f && x > -1.0f && yy < h && x < w)) continue;
                const int x0 = (int)floorf(x), y0 = (int)floorf(yy);
                const float lx = x - x0, ly = yy - y0, hx = 1.0f - lx, hy = 1.0f - ly, a = weights[k];
                acc += a * hy * hx * mrvs_corner(level, y0, x0, h, w, row_stride, col_stride);
                acc += a * hy * lx * mrvs_corner(level, y0, x0 + 1, h, w, row_stride, col_stride);
                acc += a * ly * hx * mrvs_corner(level, y0 + 1, x0, h, w, row_stride, col_stride);
                acc += a * ly * lx * mrvs_corner(level, y0 + 1, x0 + 1, h, w, row_stride, col_stride);
            }
        }
        y[((b * lq + q) * m + head) * d + ch] = acc;
    }
}
MRVS_EXPORT_INDEPENDENT_KERNEL(ms_deform_attn)
